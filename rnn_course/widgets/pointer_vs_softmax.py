"""Widget: summed loss on the alignment task y_t = t for a zero-parameter softmax decoder and for pointers.

The softmax decoder with zero output weights predicts the uniform distribution, so its loss is
T·ln T. The ideal pointer with score s on the correct position and 0 elsewhere has the closed-form
loss T·ln(1 + (T − 1)·e^(−s)). Losses of a trained pointer network, measured in the chapter, can be
passed in as markers; the widget itself never trains.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from rnn_course.pointer import sharp_pointer_loss, uniform_softmax_loss
from rnn_course.validation import require_int, require_number
from rnn_course.widgets.base import CourseWidget, float_slider, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes

T_RANGE = (1, 50)
SHARPNESS_RANGE = (0.0, 10.0)


def render_pointer_vs_softmax(figure: Figure, T: int = 10, sharpness: float = 5.0,
                              trained_losses: Mapping[int, float] | None = None) -> dict[str, str]:
    """Draw both losses against the sequence length and mark the chosen T; return readouts."""
    T = require_int("序列长度 T", T, low=1)
    sharpness = require_number("指针锐度 s", sharpness, low=0.0)
    lengths = np.arange(1, max(T, T_RANGE[1]) + 1)
    softmax_curve = uniform_softmax_loss(lengths)
    pointer_curve = sharp_pointer_loss(lengths, sharpness)

    (axes,) = add_fixed_axes(figure, (0.1, 0.12, 0.87, 0.8))
    axes.plot(lengths, softmax_curve, color="tab:red", label="softmax 解码器（输出层参数为 0）：T·ln T")
    axes.plot(lengths, pointer_curve, color="tab:blue",
              label=f"理想指针（锐度 s = {sharpness:.1f}）：T·ln(1+(T−1)e^(−s))")
    if trained_losses:
        trained_T = np.array(sorted(trained_losses))
        axes.plot(trained_T, [trained_losses[t] for t in trained_T], linestyle="none", marker="o",
                  color="tab:green", label="训练得到的指针网络（实测）")
    axes.axvline(T, color="gray", linewidth=1)
    axes.set_xlabel("序列长度 T（= 输入长度 = 输出长度）")
    axes.set_ylabel("整条序列的交叉熵（奈特）")
    axes.set_title(f"对齐任务 y_t = t：T = {T} 时的两种损失")
    axes.legend(fontsize=8, loc="upper left")
    axes.grid(True, alpha=0.3)

    L_soft = float(uniform_softmax_loss(T))
    L_ptr = float(sharp_pointer_loss(T, sharpness))
    readouts = {
        "L_soft = T·ln T": f"{L_soft:.4f}",
        "L_ptr（理想指针，闭式）": f"{L_ptr:.4f}",
        "优势 A = L_soft − L_ptr": f"{L_soft - L_ptr:.4f}",
    }
    if trained_losses and T in trained_losses:
        readouts["L_ptr（训练得到的网络，实测）"] = f"{trained_losses[T]:.4f}"
    return readouts


def pointer_vs_softmax_widget(trained_losses: Mapping[int, float] | None = None) -> CourseWidget:
    """Return the pointer-vs-softmax widget; trained_losses maps T to a measured pointer-network loss."""
    measured = dict(trained_losses) if trained_losses else None

    def render(figure: Figure, T: int, sharpness: float) -> dict[str, str]:
        return render_pointer_vs_softmax(figure, T, sharpness, measured)

    render.__name__ = "render_pointer_vs_softmax"
    controls = {
        "T": int_slider("序列长度 T", 10, *T_RANGE),
        "sharpness": float_slider("指针锐度 s", 5.0, *SHARPNESS_RANGE, step=0.1, readout_format=".1f"),
    }
    return CourseWidget("指针网络 vs softmax 解码器：对齐任务的损失", controls, render,
                        note=("曲线是闭式解：理想指针在正确位置得分 s、其余位置得分 0；"
                              "绿点为本章训练的指针网络的实测损失。"))
