"""Figures drawn off-screen with the Agg canvas, so widgets and tests need no pyplot state."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rnn_course.fonts import use_chinese_font

# Screen resolution of the PNG that widgets show; higher costs update latency.
WIDGET_DPI = 80


def new_figure(width: float = 8.0, height: float = 4.2) -> Figure:
    """Return an empty Figure (inches) attached to an Agg canvas, with the Chinese font set up."""
    use_chinese_font()
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def figure_png(figure: Figure, dpi: int = WIDGET_DPI) -> bytes:
    """Render figure to PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
