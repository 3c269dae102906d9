"""The status page's HTML: one self-contained document, no script, no file fetched.

Register text and tracker titles are untrusted (anyone who can edit an issue writes them), so
every value goes through `_text` or `_attr`, which escape it for where it lands; the page's
Content-Security-Policy (`syncer.daemon.status_routes`) forbids scripts besides. The page works
with plain form posts, has one `h1`, headed sections, captioned tables with header cells,
labelled forms, and colours of at least 4.5:1 contrast (WCAG AA).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from html import escape

from syncer.daemon.status_page import RegisterStatus, RunView, StatusView
from syncer.redact import scrub
from syncer.state.records import ConflictRecord, OutboxEntry

FormFields = Callable[[ConflictRecord], Mapping[str, str]]
"""The hidden fields a conflict's settle form carries (its id, the values shown, the HMAC)."""

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff;margin:0 auto;
max-width:72rem;padding:1rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;margin-top:2rem;
border-bottom:2px solid #1b1b1b}h3{font-size:1.1rem;margin:1rem 0 .3rem}
.muted{color:#4a4a4a}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#ececec}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.3rem 0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font:14px/1.4 ui-monospace,monospace}
.conflict{border:1px solid #767676;border-radius:4px;padding:.5rem 1rem;margin:1rem 0}
.result-ok{color:#0a5c2a}.result-error{color:#a3141b}.result-unfinished,.result-conflicts{color:#6b4e00}
.notice{border:2px solid #0a5c2a;background:#e9f5ec;padding:.5rem 1rem}
fieldset{border:1px solid #767676;margin:.5rem 0}legend{font-weight:600}
button{font:inherit;padding:.3rem .8rem;margin:.2rem .4rem .2rem 0;cursor:pointer;
color:#fff;background:#0b57d0;border:2px solid #0b57d0;border-radius:4px}
button.alt{color:#0b57d0;background:#fff}
:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
"""


def _text(value: object) -> str:
    """Any value as HTML text: escaped, quotes included, so it is safe in attributes too."""
    return escape(str(value), quote=True)


_attr = _text


def _when(moment: datetime | None, missing: str = "never") -> str:
    if moment is None:
        return f'<span class="muted">{_text(missing)}</span>'
    shown = moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return f'<time datetime="{_attr(moment.isoformat())}">{_text(shown)}</time>'


def _duration(span: timedelta | None) -> str:
    if span is None:
        return '<span class="muted">-</span>'
    seconds = span.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _value(value: str | None) -> str:
    if value is None:
        return '<em class="muted">(none)</em>'
    return f"<pre>{_text(value)}</pre>"


def _table(caption: str, headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A captioned table; `rows` hold HTML already escaped, `headers` and `caption` plain text."""
    head = "".join(f'<th scope="col">{_text(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f"<table><caption>{_text(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _result(run: RunView) -> str:
    return f'<span class="result-{run.result}">{_text(run.result)}</span>'


def _register(index: int, status: RegisterStatus) -> str:
    run = status.last_run
    items = (
        _text(status.items)
        if status.items is not None
        else f'<span class="result-error">{_text(status.items_error)}</span>'
    )
    facts = [
        ("File", f"<code>{_text(status.path)}</code>"),
        ("Items in the file", items),
        ("Last run", _when(run.run.started_at if run else None)),
        ("Result", _result(run) if run else '<span class="muted">-</span>'),
        ("Duration", _duration(run.duration if run else None)),
        ("Next run", _when(status.next_run, "not scheduled")),
    ]
    if run and run.error:
        facts.insert(4, ("Error", _text(run.error)))
    rows = (
        (_text(t.name), _text(t.links), _text(t.pending), _text(t.open_conflicts))
        for t in status.targets
    )
    return (
        f'<section aria-labelledby="register-{index}"><h3 id="register-{index}">'
        f"Register {_text(status.name)}</h3>"
        '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"
        + _table(
            f"Targets of {status.name}",
            ("Target", "Linked items", "Pending writes", "Open conflicts"),
            rows,
        )
        + "</section>"
    )  # fmt: skip


def _conflict(conflict: ConflictRecord, fields: Mapping[str, str]) -> str:
    heading = f"conflict-{conflict.id}"
    hidden = "".join(
        f'<input type="hidden" name="{_attr(name)}" value="{_attr(value)}">'
        for name, value in fields.items()
    )
    return (
        f'<article class="conflict" aria-labelledby="{heading}">'
        f'<h3 id="{heading}">Conflict {conflict.id}: {_text(conflict.item_key)}, field '
        f"{_text(conflict.field)}</h3>"
        f"<p>Register <strong>{_text(conflict.register)}</strong>, target "
        f"{_text(conflict.target)}, issue {_text(conflict.ref)}; opened "
        f"{_when(conflict.created_at, 'at an unknown time')}.</p>"
        '<dl class="facts">'
        f"<dt>Register value</dt><dd>{_value(conflict.register_value)}</dd>"
        f"<dt>Tracker value</dt><dd>{_value(conflict.tracker_value)}</dd>"
        f"<dt>Agreed before</dt><dd>{_value(conflict.base)}</dd></dl>"
        f'<form method="post">{hidden}<fieldset><legend>Settle conflict {conflict.id}</legend>'
        f'<button type="submit" name="take" value="register" aria-describedby="{heading}">'
        "Take the register value</button>"
        f'<button type="submit" name="take" value="tracker" class="alt" '
        f'aria-describedby="{heading}">Take the tracker value</button>'
        "</fieldset></form></article>"
    )


def _operations(run: RunView) -> str:
    counts = ", ".join(
        f"{_text(name.replace('_', ' '))} {count}" for name, count in sorted(run.run.counts.items())
    )
    return counts or '<span class="muted">none</span>'


def _writes(writes: Iterable[OutboxEntry]) -> str:
    lines = [
        f"<li>{_text(w.operation)} {_text(w.item_key)} on {_text(w.target)}: "
        f"{_text(w.state.value)}"
        + (f" ({_text(scrub(w.result))})" if w.state.value == "failed" and w.result else "")
        + "</li>"
        for w in writes
    ]
    return f"<ul>{''.join(lines)}</ul>" if lines else '<span class="muted">none</span>'


def _run_row(run: RunView) -> list[str]:
    notes = [_text(run.error)] if run.error else []
    notes += [_text(note) for note in run.run.notes]
    return [
        _text(run.run.register),
        _when(run.run.started_at),
        _duration(run.duration),
        _result(run),
        _operations(run),
        _writes(run.writes),
        "<br>".join(notes) or '<span class="muted">-</span>',
    ]


def _pending_row(entry: OutboxEntry) -> list[str]:
    return [
        _text(entry.register),
        _text(entry.target),
        _text(entry.operation),
        _text(entry.item_key),
        _when(entry.created_at, "unknown"),
    ]


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def render_page(view: StatusView, form_fields: FormFields, notice: str = "") -> str:
    """The whole page; `notice` (plain text) is announced at the top, e.g. what was settled."""
    conflicts = view.conflicts
    sections = [
        '<header><h1>syncer status</h1><p class="muted">As of '
        f"{_when(view.generated_at)}; reload the page for fresh values.</p></header><main>",
        f'<p class="notice" role="status">{_text(notice)}</p>' if notice else "",
        '<section aria-labelledby="registers"><h2 id="registers">Registers</h2>',
        *(_register(i, status) for i, status in enumerate(view.registers)),
        '</section><section aria-labelledby="conflicts">'
        f'<h2 id="conflicts">Open conflicts ({len(conflicts)})</h2>',
        *(_conflict(c, form_fields(c)) for c in conflicts),
        "" if conflicts else "<p>No open conflicts.</p>",
        '</section><section aria-labelledby="runs"><h2 id="runs">Recent runs</h2>',
        _table(
            f"The {len(view.runs)} most recent runs, newest first",
            ("Register", "Started", "Duration", "Result", "Operations", "Tracker writes", "Notes"),
            (_run_row(run) for run in view.runs),
        )
        if view.runs
        else "<p>No run yet.</p>",
        '</section><section aria-labelledby="pending"><h2 id="pending">Pending writes</h2>',
        _table(
            "Tracker writes recorded but not yet confirmed, oldest first",
            ("Register", "Target", "Operation", "Item", "Recorded"),
            (_pending_row(entry) for entry in view.pending),
        )
        if view.pending
        else "<p>No pending writes.</p>",
        "</section></main>",
    ]
    return _document("syncer status", "".join(sections))


def render_problem(title: str, message: str) -> str:
    """A page saying why a request was refused, with the way back."""
    return _document(
        f"{title} - syncer status",
        f"<main><h1>{_text(title)}</h1><p>{_text(message)}</p>"
        '<p><a href="./">Back to the status page</a></p></main>',
    )
