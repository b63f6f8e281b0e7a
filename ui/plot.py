"""LivePlot: a small line plot drawn with QPainter (no matplotlib in the panel).

Two uses: Calpha RMSD to the start structure (A) against time (ns) while a run goes, and Calpha
RMSF (A) per residue when it is over. The widget only draws what it is given.
"""

from __future__ import annotations

import numpy as np

from .qt import QtCore, QtGui, QtWidgets

_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 44, 10, 20, 30


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above ``value`` (an axis end), 1 for value <= 0."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    exponent = np.floor(np.log10(value))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exponent >= value * (1 - 1e-9):
            return float(m * 10**exponent)
    return float(10 ** (exponent + 1))


class LivePlot(QtWidgets.QWidget):
    """A polyline over x/y arrays with a title and axis labels; ``set_series`` redraws it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(240, 150)
        self.title, self.x_label, self.y_label = "", "", ""
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.x_ends: tuple[str, str] | None = None

    def set_series(self, x: np.ndarray, y: np.ndarray, title: str, x_label: str, y_label: str,
                   x_ends: tuple[str, str] | None = None) -> None:
        """Show ``y`` against ``x`` (same length); labels carry the units.

        ``x_ends`` replaces the numbers written under the axis ends (e.g. first and last residue).
        """
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.title, self.x_label, self.y_label, self.x_ends = title, x_label, y_label, x_ends
        self.update()

    def clear(self, title: str = "") -> None:
        self.set_series(np.zeros(0), np.zeros(0), title, "", "")

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(320, 180)

    def paintEvent(self, event) -> None:
        painter = QtGui.QPainter(self)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            painter.fillRect(self.rect(), self.palette().color(QtGui.QPalette.ColorRole.Base))
            area = QtCore.QRectF(_MARGIN_LEFT, _MARGIN_TOP, max(1, self.width() - _MARGIN_LEFT - _MARGIN_RIGHT),
                                 max(1, self.height() - _MARGIN_TOP - _MARGIN_BOTTOM))
            self._draw_frame(painter, area)
            if len(self.x) >= 1:
                self._draw_line(painter, area)
        finally:
            painter.end()

    def _ranges(self) -> tuple[float, float, float, float]:
        x0 = float(self.x.min()) if len(self.x) else 0.0
        x1 = float(self.x.max()) if len(self.x) else 1.0
        y1 = nice_ceiling(float(self.y.max())) if len(self.y) else 1.0
        return x0, (x1 if x1 > x0 else x0 + 1.0), 0.0, y1

    def _draw_frame(self, painter, area: QtCore.QRectF) -> None:
        text = self.palette().color(QtGui.QPalette.ColorRole.Text)
        painter.setPen(QtGui.QPen(text, 1))
        painter.drawRect(area)
        align = QtCore.Qt.AlignmentFlag
        painter.drawText(QtCore.QRectF(0, 0, self.width(), _MARGIN_TOP), align.AlignCenter, self.title)
        bottom = QtCore.QRectF(_MARGIN_LEFT, area.bottom() + 2, area.width(), _MARGIN_BOTTOM - 2)
        painter.drawText(bottom, align.AlignHCenter | align.AlignBottom, self.x_label)
        x0, x1, y0, y1 = self._ranges()
        first, last = self.x_ends or (f"{x0:.4g}", f"{x1:.4g}")
        painter.drawText(bottom, align.AlignLeft | align.AlignTop, first)
        painter.drawText(bottom, align.AlignRight | align.AlignTop, last)
        left = QtCore.QRectF(0, area.top() - 8, _MARGIN_LEFT - 4, area.height() + 16)
        painter.drawText(left, align.AlignRight | align.AlignTop, f"{y1:.3g}")
        painter.drawText(left, align.AlignRight | align.AlignBottom, f"{y0:.3g}")
        painter.drawText(left, align.AlignRight | align.AlignVCenter, self.y_label)

    def _draw_line(self, painter, area: QtCore.QRectF) -> None:
        x0, x1, y0, y1 = self._ranges()
        px = area.left() + (self.x - x0) / (x1 - x0) * area.width()
        py = area.bottom() - (np.clip(self.y, y0, y1) - y0) / (y1 - y0) * area.height()
        points = [QtCore.QPointF(float(a), float(b)) for a, b in zip(px, py)]
        painter.setPen(QtGui.QPen(QtGui.QColor(31, 119, 180), 2))
        if len(points) == 1:
            painter.drawEllipse(points[0], 2.0, 2.0)
        else:
            painter.drawPolyline(QtGui.QPolygonF(points))
