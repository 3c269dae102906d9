"""A fake of the GitHub REST API v3 (issues, labels, comments), served over real HTTP.

PyGithub talks to it unchanged: `Github(base_url=fake.server.base_url, auth=Auth.Token(token))`.
It is faithful where syncer and PyGithub depend on GitHub's behaviour, because those are the
behaviours a fake most easily gets wrong and a user notices first on the real thing:

- payloads shaped like the real ones (`tests/data/fixtures/api/github`): every key, node ids,
  label/user/milestone objects, `closed_by` only on single-issue reads, pull requests mixed into
  the issue list with a `pull_request` object;
- pagination with a real `Link` header (pointing at `/repositories/{id}/issues` as GitHub does);
- weak ETags and `304 Not Modified` for `If-None-Match` (304s do not count against the rate limit);
- `x-ratelimit-*` headers, the primary limit, the secondary limit on issue creation (403 with
  `retry-after` and GitHub's message; on by default at the 20 a minute and 150 an hour users
  measure), 401/404/410/422 error bodies;
- a renamed or transferred repository (`rename`): reads under the old name answer 301 and
  writes 307, both to `/repositories/{id}/...`, as GitHub does;
- `issues` and `issue_comment` webhooks signed with `X-Hub-Signature-256`;
- `updated_at` with second precision that advances at least one second per write, so `since`
  filters behave as on GitHub without tests having to sleep;
- one clock (`syncer.fakes.clock`) for its timestamps, limits and resets, and the faults every
  fake shares (`syncer.fakes.faults`).

Deliberate simplifications: one repository; no search, events, reactions or timeline endpoints;
`retry-after` may be fractional when a test asks for a sub-second wait (GitHub sends integers).

The package, by job: `wire` (constants, ids, error bodies), `state` (the repository and its
changes), `payloads` (GitHub's JSON), `api` (what every request goes through), `routes` (the
endpoints), `pulls` (pull requests, for the git source's pull-request mode), `fake`
(`FakeGitHub`: the person side and webhooks).
"""

from syncer.fakes.github.fake import FakeGitHub, serve_github
from syncer.fakes.github.wire import (
    BOT_LOGIN,
    DEFAULT_REPO,
    DEFAULT_TOKEN,
    HUMAN_LOGIN,
    SYNC_LABEL,
    signature_256,
)

__all__ = [
    "BOT_LOGIN",
    "DEFAULT_REPO",
    "DEFAULT_TOKEN",
    "HUMAN_LOGIN",
    "SYNC_LABEL",
    "FakeGitHub",
    "serve_github",
    "signature_256",
]
