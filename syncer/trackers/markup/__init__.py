"""Markdown ↔ Jira wiki markup, for Jira issue descriptions and comments (REST API v2).

Two pure functions, `markdown_to_jira` (`to_jira`) and `jira_to_markdown` (`from_jira`), with
this promise: for Markdown written in the *canonical spelling* below,
`jira_to_markdown(markdown_to_jira(md))` equals `normalize_whitespace(md)`; for any other
Markdown, the Jira text written after one trip is a fixed point
(`markdown_to_jira(jira_to_markdown(wiki)) == wiki`). The sync engine stores each side's base in
its own terms, so the trip need not be perfect, but a description that changed shape on every
pass would look like an edit to the people reading the issue.

Canonical spelling (Jira has one way to write each construct, so these come back as written):
ATX headings; `-` bullets and `1.` `2.` numbering, tight lists; `**strong**`, `*emphasis*`,
`~~strike~~`, `` `code` ``; fenced code (```` ```lang ````); `[text](url)` and `<url>` links;
tables written `| a | b |` / `| --- | --- |`; task items `- [ ]` / `- [x]`; blocks separated by
one blank line. Other spellings come back canonical: `_em_`, `__strong__`, `*`/`+` bullets,
loose lists, setext headings, indented or `~~~` code, lists not starting at 1, table alignment,
link titles, `[url](url)` (as `<url>`), hard line breaks (as plain line breaks), and backslash
escapes Markdown does not need. Two lists of different bullets one blank line apart become one.

What Jira wiki cannot hold: `{code}` inside a code block, a backslash right before a markup
character, or text glued to a bare URL (Jira's auto-link takes it in).

The modules: `to_jira` (rendering and Jira's escapes), `from_jira` (the entry point),
`escapes` (Jira's escapes carried through as placeholders), `elements` and `grammar`
(jira2markdown's grammar with our elements), `verbatim` (code blocks both directions leave be).
"""

from syncer.trackers.markup.from_jira import jira_to_markdown, normalize_whitespace
from syncer.trackers.markup.to_jira import escape_jira_text, markdown_to_jira

__all__ = ["escape_jira_text", "jira_to_markdown", "markdown_to_jira", "normalize_whitespace"]
