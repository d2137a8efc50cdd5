"""A briefing page's geometry: boxes in page px from the top-left, drawn as plotly paper coordinates.

Shared by the briefing and the storyboard, whose pages are single plotly figures with margins 0:
text, rectangles and lines are placed in CSS px and sized from a unit ``u`` (1 on a 960x540 page).
"""
from __future__ import annotations

from dataclasses import dataclass

from dashboard.figures.style import FONT_FAMILY, esc

INK, MUTED, RULE = "#1f2328", "#59636e", "#d8dee4"


@dataclass(frozen=True)
class Box:
    """A rectangle on the page in CSS px from the top-left corner."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


class Page:
    """Converts page pixels (from the top-left) to plotly paper coordinates (from the bottom-left)."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.u = min(width / 960, height / 540)
        self.annotations: list[dict] = []
        self.shapes: list[dict] = []

    def x(self, px: float) -> float:
        return px / self.width

    def y(self, px: float) -> float:
        return 1 - px / self.height

    def text(self, x: float, y: float, lines: list[str] | str, size: float, *, colour: str = INK,
             bold: bool = False, xanchor: str = "left", yanchor: str = "top", name: str = "",
             align: str = "left", family: str = FONT_FAMILY) -> None:
        """Escaped text at page px (x, y); ``lines`` are plain text, joined with line breaks."""
        body = "<br>".join(esc(line) for line in ([lines] if isinstance(lines, str) else lines))
        self.annotations.append(dict(
            text=f"<b>{body}</b>" if bold else body, name=name, x=self.x(x), y=self.y(y),
            xref="paper", yref="paper", xanchor=xanchor, yanchor=yanchor, align=align, showarrow=False,
            font=dict(size=size * self.u, color=colour, family=family), borderpad=0))

    def rect(self, box: Box, *, fill: str, line: str = "rgba(0,0,0,0)", width: float = 0, name: str = "") -> None:
        self.shapes.append(dict(type="rect", xref="paper", yref="paper", name=name, layer="above",
                                x0=self.x(box.left), x1=self.x(box.right), y0=self.y(box.bottom),
                                y1=self.y(box.top), fillcolor=fill, line=dict(color=line, width=width)))

    def path(self, points: list[tuple[float, float]], *, fill: str, line: str, name: str = "") -> None:
        d = "M " + " L ".join(f"{self.x(px):.5f},{self.y(py):.5f}" for px, py in points) + " Z"
        self.shapes.append(dict(type="path", path=d, xref="paper", yref="paper", layer="above", name=name,
                                fillcolor=fill, line=dict(color=line, width=max(self.u, 0.8))))

    def line(self, x0: float, y0: float, x1: float, y1: float, *, colour: str, width: float, name: str = "") -> None:
        self.shapes.append(dict(type="line", xref="paper", yref="paper", layer="above", name=name,
                                x0=self.x(x0), y0=self.y(y0), x1=self.x(x1), y1=self.y(y1),
                                line=dict(color=colour, width=width)))
