"""Widget: a synthetic T_y×T_x attention matrix and its row entropies against log T_x."""

from __future__ import annotations

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from rnn_course.attention import ALIGNMENT_PATTERN_NAMES, ALIGNMENT_PATTERNS, alignment_weights, summarize_alignment
from rnn_course.validation import require_choice, require_int, require_number
from rnn_course.widgets.base import CourseWidget, dropdown, float_slider, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes

LENGTH_RANGE = (1, 60)
SHARPNESS_RANGE = (0.0, 10.0)
# Seed of the random alignment pattern, fixed so the same settings always show the same matrix.
RANDOM_PATTERN_SEED = 0


def render_attention_heatmap(figure: Figure, T_x: int = 20, T_y: int = 20, sharpness: float = 2.0,
                             pattern: str = "monotonic") -> dict[str, str]:
    """Draw the weight matrix with a colorbar and the per-row entropy against log T_x; return readouts."""
    T_x = require_int("输入长度 T_x", T_x, low=1)
    T_y = require_int("输出长度 T_y", T_y, low=1)
    sharpness = require_number("锐度 β", sharpness, low=0)
    pattern = require_choice("对齐模式", pattern, ALIGNMENT_PATTERNS)
    alpha = alignment_weights(T_x, T_y, sharpness, pattern, seed=RANDOM_PATTERN_SEED)
    summary = summarize_alignment(alpha)

    heatmap_axes, colorbar_axes, entropy_axes = add_fixed_axes(
        figure, (0.07, 0.12, 0.36, 0.78), (0.44, 0.12, 0.015, 0.78), (0.6, 0.12, 0.38, 0.78))
    image = heatmap_axes.imshow(alpha, aspect="auto", origin="upper", cmap="viridis", vmin=0.0, vmax=1.0,
                                interpolation="nearest")
    colorbar = figure.colorbar(image, cax=colorbar_axes)
    colorbar.set_ticks([0.0, 0.5, 1.0])
    colorbar.set_label("注意力权重 α")
    for axes in (heatmap_axes, entropy_axes):
        axes.xaxis.set_major_locator(ticker.MaxNLocator(5, integer=True))
    heatmap_axes.yaxis.set_major_locator(ticker.MaxNLocator(5, integer=True))
    heatmap_axes.set_xlabel("输入位置 i")
    heatmap_axes.set_ylabel("输出步 t")
    heatmap_axes.set_title(f"注意力矩阵（{ALIGNMENT_PATTERN_NAMES[pattern]}，β = {sharpness:.1f}）")

    output_steps = np.arange(T_y)
    entropy_axes.plot(output_steps, summary.row_entropy, marker="o", markersize=3, label="每行的熵 H(α_t)")
    entropy_axes.axhline(summary.uniform_entropy, color="tab:red", linestyle="--",
                         label=f"均匀分布的熵 log T_x = {summary.uniform_entropy:.2f}")
    entropy_axes.set_ylim(-0.05, max(summary.uniform_entropy, float(summary.row_entropy.max()), 0.1) * 1.1 + 0.05)
    entropy_axes.set_xlim(-0.5, T_y - 0.5)
    entropy_axes.set_xlabel("输出步 t")
    entropy_axes.set_ylabel("熵（nat）")
    entropy_axes.set_title("对齐熵 vs log T_x")
    entropy_axes.legend(fontsize=8, loc="lower right")
    entropy_axes.grid(True, alpha=0.3)

    return {
        "平均行熵（nat）": f"{summary.mean_entropy:.4f}",
        "均匀注意力的熵 log T_x（nat）": f"{summary.uniform_entropy:.4f}",
        "熵降低倍数 log T_x / 平均行熵": summary.factor_text,
    }


def attention_heatmap_widget() -> CourseWidget:
    """Return the attention-heatmap widget with controls for T_x, T_y, sharpness and alignment pattern."""
    controls = {
        "T_x": int_slider("输入长度 T_x", 20, *LENGTH_RANGE),
        "T_y": int_slider("输出长度 T_y", 20, *LENGTH_RANGE),
        "sharpness": float_slider("锐度 β", 2.0, *SHARPNESS_RANGE, step=0.1, readout_format=".1f"),
        "pattern": dropdown("对齐模式", [(f"{key} {name}", key) for key, name in ALIGNMENT_PATTERN_NAMES.items()],
                            "monotonic"),
    }
    return CourseWidget("注意力热图与对齐熵", controls, render_attention_heatmap, figsize=(9.0, 4.2),
                        note="分数 s_{t,i} = −β·(i − c_t)²，c_t 是对齐模式给出的中心；"
                             "β = 0 即均匀注意力（局部模式下为窗口内均匀）。")
