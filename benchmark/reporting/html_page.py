"""``report/index.html``: every table and figure of a report in one self-contained page.

Figures are embedded as base64 PNG, tables as HTML; the run's configuration (protocol,
preprocessing, pipelines) and package versions come from the results rows.  No script,
no external file, so the page can be mailed or archived as it is.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from benchmark.reporting.formats import split_mark

__all__ = ["Section", "write_index"]

_TAGS = {"bold": "b", "underline": "u"}

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1200px;
     color:#222;padding:0 1em}
h1{font-size:1.6em}\
h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee}
.note{color:#555;font-size:.9em}.missing{color:#a40}
nav a{margin-right:1em}code,pre{background:#f6f6f6}pre{padding:.5em;overflow-x:auto;font-size:.8em}
.verdict{padding:.5em 1em;border-radius:4px}.verdict.ok{background:#e6f4e6;border:1px solid #7b7}
.verdict.bad{background:#fbe9e7;border:1px solid #d77}.verdict ul{margin:.3em 0;font-size:.85em}
"""


@dataclass
class Section:
    """A heading with an optional note, table and figure (PNG path)."""

    title: str
    note: str = ""
    table: pd.DataFrame | None = None
    figure: Path | None = None
    files: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.title.lower()).strip("-")


def _marked_html(text: str) -> str:
    """A cell as HTML: escaped, with ``**x**`` bold and ``<u>x</u>`` underlined."""
    text, mark = split_mark(text)
    return f"<{_TAGS[mark]}>{html.escape(text)}</{_TAGS[mark]}>" if mark else html.escape(text)


def _table_html(table: pd.DataFrame) -> str:
    """The table as HTML; an index of several levels spans each group's rows."""
    shown = table.map(lambda v: _marked_html(str(v)))
    names = [html.escape(str(n or "")) for n in table.index.names]
    if table.index.nlevels > 1:
        shown.index = pd.MultiIndex.from_tuples(
            [tuple(html.escape(str(v)) for v in i) for i in table.index], names=names)
    else:
        shown.index = [html.escape(str(i)) for i in table.index]
        shown.index.name = names[0]
    shown.columns = [html.escape(str(c)) for c in shown.columns]
    return shown.to_html(escape=False, border=0, classes="results")


def _image_html(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _run_facts(df: pd.DataFrame) -> str:
    """Protocols, preprocessing, seeds and versions recorded in the rows."""
    out = []
    for col, title in (("protocol_config", "Protocol"), ("preprocessing", "Preprocessing"),
                       ("versions", "Versions")):
        if col not in df:
            continue
        values = sorted(set(df[col].dropna().astype(str)))
        if not values:
            continue
        pretty = []
        for v in values[:6]:
            try:
                pretty.append(json.dumps(json.loads(v), sort_keys=True))
            except ValueError:
                pretty.append(v)
        more = f"\n… and {len(values) - 6} more" if len(values) > 6 else ""
        out.append(f"<h3>{title}</h3><pre>"
                   f"{html.escape(chr(10).join(pretty) + more, quote=False)}</pre>")
    seeds = ", ".join(str(int(s)) for s in sorted(df["seed"].dropna().unique()))
    counts = df["status"].value_counts().to_dict()
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))
    finished = df["finished_at"].dropna().astype(str)
    span = f"{finished.min()} – {finished.max()}" if len(finished) else "unknown"
    head = (f"<p>Result rows: {len(df)} ({summary}); seeds: {seeds}; datasets: "
            f"{df['dataset'].nunique()}; models: {df['model'].nunique()}; finished {span}.</p>")
    return head + "".join(out)


def _verdict_html(verdict) -> str:
    """The verdict of ``python -m benchmark verify`` (:class:`benchmark.verify.Verdict`: its
    ``ok``, ``line``, ``problems`` and ``warnings``)."""
    items = ([f"problem: {p}" for p in verdict.problems]
             + [f"warning: {w}" for w in verdict.warnings])
    shown = "".join(f"<li>{html.escape(i)}</li>" for i in items[:30])
    if len(items) > 30:
        shown += f"<li>… and {len(items) - 30} more in verify.txt</li>"
    return (f"<div id='verify' class='verdict {'ok' if verdict.ok else 'bad'}'>"
            f"<b>{html.escape(verdict.line)}</b>" + (f"<ul>{shown}</ul>" if shown else "")
            + "<p class='note'>Every row's calibration and test trials re-derived from the "
            "data and the recorded protocol (<code>python -m benchmark verify</code>).</p>"
            "</div>")


def write_index(folder: Path, title: str, sections: list[Section], df: pd.DataFrame,
                missing: list[str], verdict=None, lead: str = "") -> Path:
    """Write ``folder/index.html`` and return its path (``verdict`` and ``lead``, a
    sentence such as how the scores were recomputed: shown at the top)."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             *([_verdict_html(verdict)] if verdict is not None else []),
             *([f"<p id='rescored' class='verdict ok'>{html.escape(lead)}</p>"] if lead else []),
             f"<p class='note'>Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by "
             "<code>python -m benchmark report</code> from the results alone.</p>",
             "<nav>" + "".join(f"<a href='#{s.anchor}'>{html.escape(s.title)}</a>"
                               for s in sections) + "<a href='#run'>Run</a></nav>"]
    if missing:
        parts.append("<h2 id='missing'>What is missing</h2><ul class='missing'>"
                     + "".join(f"<li>{html.escape(m)}</li>" for m in missing) + "</ul>")
    for s in sections:
        parts.append(f"<h2 id='{s.anchor}'>{html.escape(s.title)}</h2>")
        if s.note:
            parts.append(f"<p class='note'>{html.escape(s.note)}</p>")
        if s.table is not None and not s.table.empty:
            parts.append(_table_html(s.table))
        if s.figure is not None and s.figure.with_suffix(".png").exists():
            parts.append(_image_html(s.figure.with_suffix(".png"), s.title))
        if s.files:
            parts.append("<p class='note'>Files: " + ", ".join(
                f"<code>{html.escape(f)}</code>" for f in s.files) + "</p>")
    parts.append("<h2 id='run'>Run configuration and versions</h2>" + _run_facts(df))
    parts.append("</body></html>")
    path = folder / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
