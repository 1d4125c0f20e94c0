"""Chart geometry for the server-rendered SVG charts (no chart script, no inline style).

Templates draw rects and polylines from these numbers inside a fixed viewBox; labels stay in
HTML around the SVG so text never stretches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

WIDTH, HEIGHT, TOP_PAD = 600, 150, 10


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    day: date
    value: int
    series: int = 0


@dataclass
class Chart:
    bars: list[Bar] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    top: int = 0
    totals: list[int] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def is_empty(self) -> bool:
        return not any(self.totals)


def _scale(value: int, top: int) -> float:
    return round(value * (HEIGHT - TOP_PAD) / top, 1) if top else 0.0


def bars(series: list[tuple[date, int]]) -> Chart:
    """One bar per day."""
    top = max((v for _d, v in series), default=0)
    slot = WIDTH / max(len(series), 1)
    gap = min(2.0, slot * 0.2)
    chart = Chart(top=top, totals=[sum(v for _d, v in series)])
    for i, (day, value) in enumerate(series):
        h = _scale(value, top)
        chart.bars.append(
            Bar(round(i * slot + gap / 2, 1), round(HEIGHT - h, 1), round(slot - gap, 1), h, day, value)
        )
    return _ends(chart, series)


def grouped_bars(series: list[tuple[date, tuple[int, int]]]) -> Chart:
    """Two bars side by side per day (series 0 and 1)."""
    top = max((max(pair) for _d, pair in series), default=0)
    slot = WIDTH / max(len(series), 1)
    gap = min(2.0, slot * 0.2)
    half = (slot - gap) / 2
    chart = Chart(top=top, totals=[sum(p[0] for _d, p in series), sum(p[1] for _d, p in series)])
    for i, (day, pair) in enumerate(series):
        for s, value in enumerate(pair):
            h = _scale(value, top)
            x = i * slot + gap / 2 + s * half
            chart.bars.append(Bar(round(x, 1), round(HEIGHT - h, 1), round(half, 1), h, day, value, s))
    return _ends(chart, series)


def lines(series: list[tuple[date, tuple[int, int]]]) -> Chart:
    """Two polylines (series 0 and 1), one point per day."""
    top = max((max(pair) for _d, pair in series), default=0)
    step = WIDTH / max(len(series) - 1, 1)
    chart = Chart(top=top, totals=[sum(p[0] for _d, p in series), sum(p[1] for _d, p in series)])
    for s in range(2):
        points = [
            f"{round(i * step, 1)},{round(HEIGHT - _scale(pair[s], top), 1)}"
            for i, (_day, pair) in enumerate(series)
        ]
        chart.lines.append(" ".join(points))
    return _ends(chart, series)


def _ends(chart: Chart, series: list[tuple[date, Any]]) -> Chart:
    if series:
        chart.first, chart.last = series[0][0], series[-1][0]
    return chart
