"""Scaffolding shared by every course widget: controls, a PNG figure and a readout table.

A widget is a plain render function plus controls. The render function has the signature
``render(figure, **params) -> dict[str, str]``: it draws onto an empty Figure and returns the
readouts (Chinese label -> formatted value). Tests and benchmarks call it directly.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import ipywidgets as widgets
from matplotlib.figure import Figure

from rnn_course.figures import figure_png, new_figure

RenderFunction = Callable[..., Mapping[str, str]]


class CourseWidget(widgets.VBox):
    """A VBox of title, controls, figure and readouts that re-renders when any control changes."""

    def __init__(self, title: str, controls: Mapping[str, widgets.ValueWidget], render: RenderFunction,
                 figsize: tuple[float, float] = (8.0, 4.2), note: str = ""):
        self.controls = dict(controls)
        self.render = render
        self.figure: Figure = new_figure(*figsize)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML()
        self.readout.add_class("rnn-readout")
        self.image.add_class("rnn-figure")
        note_html = f"<br><small>{html.escape(note)}</small>" if note else ""
        header = widgets.HTML(f"<b>{html.escape(title)}</b>{note_html}")
        control_box = widgets.VBox(list(self.controls.values()))
        super().__init__([header, control_box, self.image, self.readout])
        self.add_class("rnn-course-widget")
        for control in self.controls.values():
            control.observe(self.refresh, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.render.__name__})"

    def params(self) -> dict[str, object]:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self, _change: object = None) -> Mapping[str, str]:
        """Re-render with the current control values; return the readouts."""
        self.figure.clear()
        readouts = self.render(self.figure, **self.params())
        self.image.value = figure_png(self.figure)
        self.readout.value = readout_table(readouts)
        return readouts


def readout_table(readouts: Mapping[str, str]) -> str:
    rows = "".join(
        f'<tr><td style="padding-right:1em">{html.escape(label)}</td>'
        f'<td class="rnn-readout-value"><code>{html.escape(value)}</code></td></tr>'
        for label, value in readouts.items()
    )
    return f"<table>{rows}</table>"


def float_slider(description: str, value: float, low: float, high: float, step: float,
                 readout_format: str = ".2f") -> widgets.FloatSlider:
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        readout_format=readout_format, continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="520px"),
    )


def int_slider(description: str, value: int, low: int, high: int, step: int = 1) -> widgets.IntSlider:
    return widgets.IntSlider(
        value=value, min=low, max=high, step=step, description=description, continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="520px"),
    )


def dropdown(description: str, options: list[tuple[str, str]], value: str) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=description,
                            style={"description_width": "initial"})
