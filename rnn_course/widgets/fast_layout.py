"""Figure layout helpers that keep a widget update fast.

Measured with matplotlib 3.11.2 on a shared 2-core CPU, constrained layout and the default
log-axis labels each added roughly 40–100 ms to the PNG render of a small widget figure.
Widgets that need speed therefore place their axes at fixed positions and use plain-text log labels.
"""

from __future__ import annotations

from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def add_fixed_axes(figure: Figure, *rects: tuple[float, float, float, float]) -> list[Axes]:
    """Turn off the figure's layout engine and add one Axes per (left, bottom, width, height) rect.

    Rects are fractions of the figure size; leave about 0.08 on the left and bottom for labels.
    """
    # None rather than "none": "none" installs a placeholder engine, and savefig then draws the
    # figure twice (once for layout), which doubles the render time.
    figure.set_layout_engine(None)
    return [figure.add_axes(rect) for rect in rects]


def set_log_y(axes: Axes) -> None:
    """Put the y axis on a log scale with plain-text labels on the decades and no minor ticks.

    matplotlib's default log labels are mathtext ("10^{-5}") plus minor ticks, which roughly
    doubles the PNG render time of a small figure.
    """
    axes.set_yscale("log")
    axes.yaxis.set_major_locator(ticker.LogLocator(base=10, numticks=8))
    axes.yaxis.set_major_formatter(ticker.LogFormatter(base=10, labelOnlyBase=True))
    axes.yaxis.set_minor_locator(ticker.NullLocator())
