"""Shared check for widget render functions: draw to PNG with warnings raised, Chinese labels, readouts."""

from __future__ import annotations

import re
import warnings

from rnn_course.figures import figure_png, new_figure

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# A low resolution keeps the suite fast; drawing (and any glyph warning) happens at every DPI.
TEST_DPI = 30


def render_checked(render, **params) -> dict[str, str]:
    """Render to PNG with every warning raised as an error; return the readouts."""
    figure = new_figure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        readouts = render(figure, **params)
        png = figure_png(figure, dpi=TEST_DPI)
    assert png.startswith(b"\x89PNG")
    assert figure.axes, "render drew no axes"
    for axes in figure.axes:
        if axes.get_label() == "<colorbar>":
            continue
        assert CHINESE.search(axes.get_title() + axes.get_xlabel() + axes.get_ylabel())
    assert readouts and all(isinstance(value, str) and value for value in readouts.values())
    return readouts
