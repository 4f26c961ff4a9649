"""The HTML report: one self-contained file (inline SVG and CSS, no script, font or stylesheet from elsewhere) that
opens offline. One result, or two side by side with the difference per figure.

Every number drawn or written carries its exact value in ``data-value`` (and its place in the result JSON in
``data-figure``), so a test can check the page against the JSON without reading pixels or rounded text.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

Result = Mapping[str, Any]

COLOURS = ("#2563eb", "#ea580c")  # scenario A, scenario B
QUEUE_FIGURES: Tuple[Tuple[str, str, str], ...] = (
    # (figure, label, format)
    ("offered", "Offered", "count"),
    ("answered", "Answered", "count"),
    ("abandoned", "Abandoned", "count"),
    ("serviceLevel", "Service level", "share"),
    ("averageSpeedOfAnswerSeconds", "ASA (s)", "seconds"),
    ("averageWaitSeconds", "Average wait (s)", "seconds"),
    ("longestWaitSeconds", "Longest wait (s)", "seconds"),
    ("averageHandleTimeSeconds", "Average handle time (s)", "seconds"),
    ("averageWrapUpSeconds", "Average wrap-up (s)", "seconds"),
)
GROUP_FIGURES = (
    ("workers", "Workers", "count"),
    ("handled", "Handled", "count"),
    ("occupancy", "Occupancy", "share"),
    ("offersDeclined", "Offers declined", "count"),
    ("offersExpired", "Offers expired", "count"),
)
RUN_FIGURES = (
    ("jobs", "Jobs", "count"),
    ("simulatedSeconds", "Simulated (s)", "seconds"),
    ("wallSeconds", "Wall time (s)", "seconds"),
    ("unfinishedJobs", "Jobs still open at the end", "count"),
)

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111827;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:6px 0 14px}
td,th{padding:3px 10px;border-bottom:1px solid #e5e7eb;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f9fafb;font-weight:600}
.better{color:#15803d}.worse{color:#b91c1c}.muted{color:#6b7280}
.legend span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
svg{display:block;margin:6px 0 12px;font-size:11px}svg text{fill:#374151}
"""


def _format(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "share":
        return f"{value:.1%}"
    if kind == "seconds":
        return f"{value:,.1f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _attr(value: Any) -> str:
    return "" if value is None else html.escape(repr(float(value)) if isinstance(value, (int, float)) else str(value))


def _cell(value: Any, kind: str, figure: str, scenario: str, ci: Optional[Sequence[float]] = None) -> str:
    text = _format(value, kind)
    if ci is not None and value is not None:
        text += f' <span class="muted">[{_format(ci[0], kind)}, {_format(ci[1], kind)}]</span>'
    return f'<td data-figure="{html.escape(figure)}" data-scenario="{scenario}" data-value="{_attr(value)}">{text}</td>'


# Whether more is better, for the colour of a difference.
HIGHER_IS_BETTER = {"serviceLevel": True, "answered": True, "handled": True, "abandoned": False}
LOWER_IS_BETTER = {"averageSpeedOfAnswerSeconds", "averageWaitSeconds", "longestWaitSeconds"}


def _difference_cell(a: Any, b: Any, kind: str, figure: str, name: str) -> str:
    if a is None or b is None:
        return f'<td data-figure="{html.escape(figure)}" data-scenario="difference" data-value="">–</td>'
    diff = b - a
    css = ""
    if diff and (name in HIGHER_IS_BETTER or name in LOWER_IS_BETTER):
        good = diff > 0 if HIGHER_IS_BETTER.get(name, False) else diff < 0
        css = ' class="better"' if good else ' class="worse"'
    shown = f"{diff * 100:+.1f} pp" if kind == "share" else f"{diff:+,.1f}"
    return (
        f'<td data-figure="{html.escape(figure)}" data-scenario="difference" data-value="{_attr(diff)}"{css}>'
        f"{shown}</td>"
    )


def _table(
    title_key: str,
    rows: Sequence[Tuple[str, str, str]],
    results: Sequence[Result],
    path: Sequence[str],
    table_id: str,
) -> str:
    """A table of figures (rows) for one object of each result (columns: A[, B, B − A])."""
    names = ["A", "B"] if len(results) == 2 else ["value"]
    head = "".join(f"<th>{n if len(results) == 2 else 'Value'}</th>" for n in names)
    if len(results) == 2:
        head += "<th>B − A</th>"
    body = []
    objects = [_dig(r, path) for r in results]
    for figure, label, kind in rows:
        where = "/".join([*path, figure])
        cells = "".join(
            _cell(
                (obj or {}).get(figure),
                kind,
                where,
                "ab"[i] if len(results) == 2 else "a",
                ((obj or {}).get("ci95") or {}).get(figure),
            )
            for i, obj in enumerate(objects)
        )
        if len(results) == 2:
            cells += _difference_cell(
                (objects[0] or {}).get(figure), (objects[1] or {}).get(figure), kind, where, figure
            )
        body.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
    return (
        f'<table id="{html.escape(table_id)}"><thead><tr><th>{html.escape(title_key)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _dig(result: Result, path: Sequence[str]) -> Optional[Mapping[str, Any]]:
    node: Any = result
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, Mapping) else None


# -- charts -------------------------------------------------------------------------------------------------------
Series = Tuple[str, List[Optional[float]], str, str]  # (name, values, colour, scenario)


def _bar_line_chart(
    chart_id: str,
    labels: Sequence[str],
    bars: Sequence[Series],
    lines: Sequence[Series] = (),
    *,
    bar_label: str,
    line_label: str = "",
    width: int = 1040,
    height: int = 240,
) -> str:
    """Grouped bars (left axis, counts) and lines of shares (right axis, 0-100%) over ``labels``."""
    left, right, top, bottom = 48, 48 if lines else 12, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for _, values, _, _ in bars for v in values if v is not None] + [1.0])
    slots = max(1, len(labels))
    slot_w = plot_w / slots
    bar_w = max(1.0, slot_w * 0.8 / max(1, len(bars)))
    parts = [
        f'<svg id="{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#9ca3af"/>')
    for tick in range(5):
        share = tick / 4
        y = top + plot_h - share * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#f3f4f6"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{top_value * share:,.0f}</text>')
        if lines:
            parts.append(f'<text x="{left + plot_w + 4}" y="{y + 4:.1f}">{share:.0%}</text>')
    parts.append(f'<text x="4" y="11">{html.escape(bar_label)}</text>')
    if lines:
        parts.append(f'<text x="{width - 4}" y="11" text-anchor="end">{html.escape(line_label)}</text>')
    step = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        if i % step == 0:
            x = left + slot_w * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{html.escape(label)}</text>'
            )
    for b, (name, values, colour, scenario) in enumerate(bars):
        for i, value in enumerate(values):
            if value is None:
                continue
            h = plot_h * value / top_value
            x = left + slot_w * i + slot_w * 0.1 + bar_w * b
            parts.append(
                f'<rect data-series="{html.escape(name)}" data-scenario="{scenario}" data-index="{i}" '
                f'data-value="{_attr(value)}" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}" opacity="0.55"><title>{html.escape(labels[i])}: '
                f"{value:,.1f}</title></rect>"
            )
    for name, values, colour, scenario in lines:
        points = []
        for i, value in enumerate(values):
            if value is None:
                continue
            x, y = left + slot_w * (i + 0.5), top + plot_h - plot_h * max(0.0, min(1.0, value))
            points.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle data-series="{html.escape(name)}" data-scenario="{scenario}" data-index="{i}" '
                f'data-value="{_attr(value)}" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{html.escape(labels[i])}: {value:.1%}</title></circle>"
            )
        if points:
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(results: Sequence[Result]) -> str:
    if len(results) < 2:
        return ""
    items = "".join(
        f'<span><span class="swatch" style="background:{COLOURS[i]}"></span>{"AB"[i]}: '
        f"{html.escape(str(r.get('scenario')))}</span>"
        for i, r in enumerate(results)
    )
    return f'<p class="legend">{items}</p>'


def _interval_label(start: str) -> str:
    return start[11:16] if len(start) >= 16 else start


def _sections(results: Sequence[Result]) -> List[str]:
    two = len(results) == 2
    scen = ["a", "b"] if two else ["a"]
    out = [_legend(results)]
    out.append("<h2>Run</h2>" + _table("Figure", RUN_FIGURES, [_run_view(r) for r in results], [], "run"))
    # Service level and offered jobs per interval.
    longest = max((r["intervals"] for r in results), key=len)
    labels = [_interval_label(i["start"]) for i in longest]
    bars: List[Series] = []
    lines: List[Series] = []
    for k, r in enumerate(results):
        offered = [i["total"]["offered"] for i in r["intervals"]][: len(labels)]
        levels = [i["total"]["serviceLevel"] for i in r["intervals"]][: len(labels)]
        bars.append(("offered", offered, COLOURS[k], scen[k]))
        lines.append(("serviceLevel", levels, COLOURS[k], scen[k]))
    out.append(
        "<h2>Service level and offered jobs per interval</h2>"
        + _bar_line_chart("chart-intervals", labels, bars, lines, bar_label="offered jobs", line_label="service level")
    )
    # Waits.
    edges = results[0]["waits"]["edgesSeconds"]
    wait_labels = ["0"] + [f"≤{e:g}s" for e in edges[1:]] + [f">{edges[-1]:g}s"]
    wait_bars: List[Series] = []
    for k, r in enumerate(results):
        wait_bars.append(("answered", list(r["waits"]["answered"]), COLOURS[k], scen[k]))
    for k, r in enumerate(results):
        wait_bars.append(("abandoned", list(r["waits"]["abandoned"]), "#9ca3af" if k == 0 else "#6b7280", scen[k]))
    out.append(
        '<h2>Waits</h2><p class="muted">Jobs by how long they waited: answered (colour) and abandoned (grey).</p>'
        + _bar_line_chart("chart-waits", wait_labels, wait_bars, bar_label="jobs", height=220)
    )
    # Occupancy per worker group.
    groups = list(dict.fromkeys(g for r in results for g in r["groups"]))
    occupancy: List[Series] = [
        (
            "occupancy",
            [_share_percent((r["groups"].get(g) or {}).get("occupancy")) for g in groups],
            COLOURS[k],
            scen[k],
        )
        for k, r in enumerate(results)
    ]
    out.append(
        "<h2>Occupancy per worker group</h2>"
        + _bar_line_chart("chart-occupancy", groups, occupancy, bar_label="occupancy (%)", height=200, width=520)
    )
    for group in groups:
        out.append(
            f"<h3>Group {html.escape(group)}</h3>"
            + _table("Figure", GROUP_FIGURES, results, ["groups", group], f"group-{group}")
        )
    # Abandonment.
    queues = list(dict.fromkeys(q for r in results for q in r["queues"]))
    abandoned: List[Series] = [
        ("abandonedShare", [_abandon_percent(r["queues"].get(q) or {}) for q in queues], COLOURS[k], scen[k])
        for k, r in enumerate(results)
    ]
    out.append(
        '<h2>Abandonment</h2><p class="muted">Abandoned ÷ offered, per queue (%).</p>'
        + _bar_line_chart("chart-abandonment", queues, abandoned, bar_label="abandoned (%)", height=200, width=520)
    )
    out.append("<h2>Queues</h2>")
    for queue in queues:
        out.append(
            f"<h3>Queue {html.escape(queue)}</h3>"
            + _table("Figure", QUEUE_FIGURES, results, ["queues", queue], f"queue-{queue}")
        )
    return out


def _share_percent(value: Optional[float]) -> Optional[float]:
    return None if value is None else value * 100


def _abandon_percent(figures: Mapping[str, Any]) -> Optional[float]:
    offered = figures.get("offered") or 0
    return 100 * figures.get("abandoned", 0) / offered if offered else None


def _run_view(result: Result) -> Dict[str, Any]:
    return {key: result.get(key) for key, _, _ in RUN_FIGURES}


def render(results: Sequence[Result]) -> str:
    """The report's HTML for one result, or two compared."""
    if len(results) not in (1, 2):
        raise ValueError("a report shows one result, or two compared")
    names = " vs ".join(str(r.get("scenario")) for r in results)
    title = f"Routing simulation: {names}"
    data = json.dumps(list(results) if len(results) == 2 else results[0]).replace("</", "<\\/")
    intro = (
        f'<p class="muted">Service level within {results[0].get("serviceLevelSeconds"):g} s; figures as '
        "<code>GET /_emulator/statistics</code> defines them. "
        + ("Figures in brackets are 95% intervals over replications. " if results[0].get("replications") else "")
        + "</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{intro}{''.join(_sections(results))}"
        f'<script type="application/json" id="result-data">{data}</script>'
        "</body></html>\n"
    )


def write_report(result: Result, path: Union[str, Path]) -> None:
    Path(path).write_text(render([result]), encoding="utf-8")


def write_compare_report(a: Result, b: Result, path: Union[str, Path]) -> None:
    Path(path).write_text(render([a, b]), encoding="utf-8")
