"""Configuration for the cases the general rules cannot decide (per register, from the TOML)."""

from __future__ import annotations

import fnmatch

from pydantic import BaseModel, ConfigDict, Field

from syncer.model import Priority, Status


class RegisterRules(BaseModel):
    """Which sections hold items, and words the built-in vocabulary lacks.

    Words ship for ten languages (`vocabulary.py`, `languages.py`); a register written in
    another language, or a team using a word its own way, names its status and priority words
    here (`{"klaar": "done"}`, `{"hoog": "high"}`). They win over the shipped words and the
    document's own emoji legend, and count everywhere those do: fields, cells, tags, headings.

    Section patterns are shell-style globs matched case-insensitively against each heading of
    an item's section path ("Known Tech Debt", "*Priority*").
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    include_sections: tuple[str, ...] = ()
    exclude_sections: tuple[str, ...] = ()
    status_words: dict[str, Status] = Field(default_factory=dict)
    priority_words: dict[str, Priority] = Field(default_factory=dict)
    item_fields: tuple[str, ...] = ()
    title_columns: tuple[str, ...] = ()

    def admits(self, section: tuple[str, ...]) -> bool:
        def hit(patterns: tuple[str, ...]) -> bool:
            return any(
                fnmatch.fnmatch(heading.lower(), pattern.lower())
                for heading in section
                for pattern in patterns
            )

        if self.exclude_sections and hit(self.exclude_sections):
            return False
        return not self.include_sections or hit(self.include_sections)
