"""Charts drawn as inline SVG on the server: no script, no network, no font to fetch.

Each chart is a figure with a title and a text description (`role="img"`, `aria-labelledby`),
and the page that shows it prints the same numbers as a table beside it. Levels are coloured
on one sequential scale (ColorBrewer YlGnBu, which stays ordered for the colour-blind and in
greyscale), and every coloured cell or bar also carries its level as text, because colour
alone does not tell Application from Review from Transfer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Fill and text colour per level rank (0 = no level yet). Text is the one of black or white
# with the higher contrast, at least 4.5:1 against its fill (tests/test_charts.py).
LEVEL_FILLS = ("#f0f0f0", "#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#225ea8", "#0c2c84")
LEVEL_TEXT = ("#000000",) * 5 + ("#ffffff",) * 2
FONT = "DejaVu Sans, Verdana, sans-serif"


def level_fill(rank: int) -> str:
    return LEVEL_FILLS[max(0, min(rank, len(LEVEL_FILLS) - 1))]


def level_text(rank: int) -> str:
    return LEVEL_TEXT[max(0, min(rank, len(LEVEL_TEXT) - 1))]


def contrast(a: str, b: str) -> float:
    """WCAG 2.2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True, slots=True)
class Bar:
    """One stacked bar: a label and a count per level rank, each linking to its people."""

    label: str
    counts: Sequence[int]
    links: Sequence[str | None] = ()


def _figure(
    chart_id: str, title: str, description: str, width: int, height: int, role: str = "img"
) -> list[str]:
    """The chart's frame. A chart whose marks are links is a group (an image may not hold
    anything focusable); its title and description name it either way."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="{role}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="{FONT}" font-size="12">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]


def stacked_bars(
    chart_id: str, *, title: str, levels: Sequence[str], bars: Sequence[Bar], label_width: int = 190
) -> str:
    """Horizontal bars of 100 %, one per group, split by level: the whole distribution of each
    group, side by side, never only its mean."""
    bar_width, row, top = 520, 30, 8
    height = top + row * len(bars) + 44
    width = label_width + bar_width + 16
    linked = any(link for bar in bars for link in bar.links)
    role = "group" if linked else "img"
    parts = _figure(chart_id, title, _describe(levels, bars), width, height, role)
    for i, bar in enumerate(bars):
        y = top + i * row
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(_clip(bar.label, 28))}</text>"
        )
        total = sum(bar.counts)
        x = float(label_width)
        for rank, count in enumerate(bar.counts):
            if not count:
                continue
            w = bar_width * count / total
            share = 100 * count / total
            tip = f"{bar.label}: {count} at {levels[rank]} ({share:.0f}%)"
            rect = (
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="24" '
                f'fill="{level_fill(rank)}" stroke="#ffffff"><title>{escape(tip)}</title></rect>'
            )
            if w >= 26:
                rect += (
                    f'<text x="{x + w / 2:.1f}" y="{y + 16}" text-anchor="middle" '
                    f'fill="{level_text(rank)}" aria-hidden="true">{count}</text>'
                )
            link = bar.links[rank] if rank < len(bar.links) else None
            if link:
                rect = f'<a href="{escape(link)}" aria-label="{escape(tip)}">{rect}</a>'
            parts.append(rect)
            x += w
    parts.append(_legend(levels, top + row * len(bars) + 10, 8))
    parts.append("</svg>")
    return "".join(parts)


def _legend(levels: Sequence[str], y: int, x0: int) -> str:
    out, x = [], x0
    for rank, name in enumerate(levels):
        out.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{level_fill(rank)}" '
            f'stroke="#555555"/><text x="{x + 16}" y="{y + 10}">{escape(name)}</text>'
        )
        x += 22 + 7 * len(name)
    return "".join(out)


def _describe(levels: Sequence[str], bars: Sequence[Bar]) -> str:
    lines = []
    for bar in bars:
        counts = ", ".join(f"{levels[r]} {c}" for r, c in enumerate(bar.counts) if c)
        lines.append(f"{bar.label}: {counts or 'nobody'}")
    return "; ".join(lines)


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def level_steps(
    chart_id: str,
    *,
    title: str,
    levels: Sequence[str],
    points: Sequence[tuple[float, int]],
    start: float,
    end: float,
) -> str:
    """A person's level in one competency over time: a step line from `start` to `end` (any
    time unit), through `points` of (time, level after it). Drops show as steps down."""
    width, height, left, top = 320, 96, 84, 6
    inner_w, inner_h = width - left - 8, height - top - 20
    top_rank = len(levels) - 1
    span = max(end - start, 1e-9)

    def xy(t: float, rank: int) -> tuple[float, float]:
        return left + inner_w * (t - start) / span, top + inner_h * (1 - rank / top_rank)

    level, path = 0, []
    x, y = xy(start, 0)
    path.append(f"M{x:.1f},{y:.1f}")
    for t, rank in sorted(points):
        x, _ = xy(max(start, min(t, end)), level)
        _, y = xy(t, rank)
        path.append(f"H{x:.1f}V{y:.1f}")
        level = rank
    x, _ = xy(end, level)
    path.append(f"H{x:.1f}")
    moves = ", ".join(f"{levels[r]}" for _, r in sorted(points)) or "no change"
    parts = _figure(
        chart_id, title, f"Level over time: {moves}; now {levels[level]}.", width, height
    )
    for rank in (0, top_rank // 2, top_rank):
        _, gy = xy(start, rank)
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{left - 4}" y="{gy + 4:.1f}" text-anchor="end" font-size="10">'
            f"{escape(levels[rank])}</text>"
        )
    parts.append(
        f'<path d="{"".join(path)}" fill="none" stroke="#225ea8" stroke-width="2.5"/></svg>'
    )
    return "".join(parts)


def paired_histogram(
    chart_id: str,
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> str:
    """Counts per category for two series side by side (e.g. confidence 1-5 at baseline and
    now); the series differ in colour and in pattern of outline."""
    width, height, left, top, bottom = 360, 150, 28, 8, 40
    inner_h = height - top - bottom
    slot = (width - left - 8) / max(len(categories), 1)
    peak = max((max(values, default=0) for _, values in series), default=0) or 1
    fills = (("#a1dab4", "#555555"), ("#225ea8", "#0c2c84"))
    described = "; ".join(
        f"{name}: " + ", ".join(f"{c} {v}" for c, v in zip(categories, values, strict=True))
        for name, values in series
    )
    parts = _figure(chart_id, title, described, width, height)
    bar_w = slot / (len(series) + 1)
    for ci, category in enumerate(categories):
        x0 = left + ci * slot
        for si, (name, values) in enumerate(series):
            h = inner_h * values[ci] / peak
            fill, stroke = fills[si % 2]
            parts.append(
                f'<rect x="{x0 + bar_w * (si + 0.5):.1f}" y="{top + inner_h - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{fill}" stroke="{stroke}">'
                f"<title>{escape(f'{name}, {category}: {values[ci]}')}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + slot / 2:.1f}" y="{top + inner_h + 14}" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
    x = left
    for si, (name, _) in enumerate(series):
        fill, stroke = fills[si % 2]
        parts.append(
            f'<rect x="{x}" y="{height - 14}" width="12" height="12" fill="{fill}" '
            f'stroke="{stroke}"/><text x="{x + 16}" y="{height - 4}">{escape(name)}</text>'
        )
        x += 28 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)
