"""The coverage chart's geometry: one bar per year, drawn server-side as SVG (no script)."""

from dataclasses import dataclass

from oversight.figures import CoverageYear

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 40, 28, 12
GRIDLINES = (0, 25, 50, 75, 100)


def _n(value: float) -> str:
    """A coordinate as SVG wants it, whatever the page's locale (never "12,5")."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Bar:
    year: int
    percent: int
    x: str
    y: str
    width: str
    height: str
    label_x: str


def coverage_chart(years: list[CoverageYear]) -> dict:
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(years), 1)
    bars = []
    for index, year in enumerate(years):
        height = plot_height * year.percent / 100
        x = LEFT + index * slot + slot * 0.15
        bars.append(
            Bar(
                year.year,
                year.percent,
                _n(x),
                _n(TOP + plot_height - height),
                _n(slot * 0.7),
                _n(height),
                _n(x + slot * 0.35),
            )
        )
    grid = [{"percent": p, "y": _n(TOP + plot_height * (1 - p / 100))} for p in GRIDLINES]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "axis_x": LEFT - 6,
        "bars": bars,
        "grid": grid,
        "year_y": HEIGHT - 8,
    }
