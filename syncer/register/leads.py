"""A field value's leading words, apart from the remark a person wrote after them.

Its own module, free of the parser and its Markdown reader: the trackers' label mapping
(`syncer.field_labels`) needs it, and loading an adapter should not load the parser.
"""

from __future__ import annotations

import re

_REMARK_RE = re.compile(r"\s*(?:[(\[,;|]|\s[-\u2013\u2014]\s|\.(?:\s|$))")
"""Where a field value's leading words end and a remark starts: `Medium (2 weeks)`,
`Low, unless…`, `High - risky`, `Done. Shipped`."""


def value_lead(value: str) -> str:
    """A field value's leading words, before any remark: `Medium (2 weeks)` → `Medium`.

    What a level-like field (`Effort`, `Impact`) says, as a label or a tracker field would
    say it; the remark after it is the person's and is never rewritten."""
    return _REMARK_RE.split(value.strip(), maxsplit=1)[0].strip()
