"""Widget: a tanh counter RNN against a stack recognizer on a bracket string."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from rnn_course.memory import (
    COUNTER_INPUT_WEIGHT,
    COUNTER_ZERO_TOLERANCE,
    counter_rnn_trace,
    nested_parentheses,
    stack_trace,
)
from rnn_course.validation import require_choice, require_int
from rnn_course.widgets.base import CourseWidget, dropdown, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes

INPUT_MODES = ("text", "depth")
DEPTH_RANGE = (0, 60)
# Maximum string length the widget plots, because longer strings make the per-step markers unreadable.
MAX_TEXT_LENGTH = 200


def render_parentheses(figure: Figure, mode: str = "text", text: str = "(()())", depth: int = 5
                       ) -> dict[str, str]:
    """Plot the counter state h_t and the stack depth per step for a string or for "("*n + ")"*n."""
    mode = require_choice("输入方式", mode, INPUT_MODES)
    if mode == "depth":
        text = nested_parentheses(require_int("嵌套深度 n", depth, low=0))
    elif not isinstance(text, str):
        raise TypeError(f"括号串必须是 str，收到 {type(text).__name__}。")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"括号串长度为 {len(text)}，超过上限 {MAX_TEXT_LENGTH}；请输入更短的串。")
    counter = counter_rnn_trace(text)  # validates the characters
    stack = stack_trace(text)

    counter_axes, stack_axes = add_fixed_axes(figure, (0.09, 0.55, 0.88, 0.36), (0.09, 0.1, 0.88, 0.36))
    steps = np.arange(1, len(text) + 1)
    counter_axes.plot(np.r_[0, steps], np.r_[0.0, counter], marker="o", markersize=3, color="tab:blue",
                      label=f"计数器 h_t = tanh({COUNTER_INPUT_WEIGHT:g}·x_t + h_(t−1))")
    counter_axes.axhspan(-COUNTER_ZERO_TOLERANCE, COUNTER_ZERO_TOLERANCE, color="tab:green", alpha=0.2,
                         label=f"|h| < {COUNTER_ZERO_TOLERANCE:g}：计数器判为平衡")
    counter_axes.set_ylabel("隐藏状态 h_t")
    counter_axes.set_title(f"输入：{text if len(text) <= 40 else text[:37] + '…'}（长度 {len(text)}）")
    counter_axes.legend(fontsize=8, loc="best", framealpha=0.7)

    executed = len(stack.depths)
    stack_axes.step(np.r_[0, steps[:executed]], np.r_[0, stack.depths], where="post", color="tab:orange",
                    label="栈深度（未匹配的 '(' 个数）")
    if stack.underflow_step is not None:
        stack_axes.plot([stack.underflow_step], [0], marker="x", markersize=10, color="tab:red", linestyle="none",
                        label=f"第 {stack.underflow_step} 步下溢，拒绝")
    stack_axes.set_xlabel("时间步 t")
    stack_axes.set_ylabel("栈深度")
    stack_axes.set_ylim(-0.5, max(int(stack.depths.max(initial=0)), 1) + 0.5)
    stack_axes.yaxis.set_major_locator(ticker.MaxNLocator(5, integer=True))
    stack_axes.legend(fontsize=8, loc="best", framealpha=0.7)
    for axes in (counter_axes, stack_axes):
        axes.set_xlim(-0.5, max(len(text), 1) + 0.5)
        axes.xaxis.set_major_locator(ticker.MaxNLocator(8, integer=True))
        axes.grid(True, alpha=0.3)
    if not text:
        counter_axes.text(0.5, 0.5, "空串：没有时间步，栈为空，接受", transform=counter_axes.transAxes,
                          ha="center", va="center")

    final_state = float(counter[-1]) if len(counter) else 0.0
    counter_says_balanced = abs(final_state) < COUNTER_ZERO_TOLERANCE
    return {
        "计数器最终状态 h_T": f"{final_state:+.6f}",
        f"计数器的判断（|h_T| < {COUNTER_ZERO_TOLERANCE:g} 视为平衡）": "平衡" if counter_says_balanced else "不平衡",
        "栈识别器的判断": stack.verdict,
        "两者是否一致": "一致" if counter_says_balanced == stack.accepted else "不一致：计数器判错",
    }


def parentheses_widget() -> CourseWidget:
    """Return the parentheses widget: a text box or a nesting-depth slider as input."""
    controls = {
        "mode": dropdown("输入方式", [("自定义括号串", "text"), ("嵌套深度 n：'('×n + ')'×n", "depth")], "text"),
        "text": widgets.Text(value="(()())", description="括号串", continuous_update=False,
                             style={"description_width": "initial"}),
        "depth": int_slider("嵌套深度 n", 5, *DEPTH_RANGE),
    }
    return CourseWidget("括号匹配：tanh 计数器 vs 栈", controls, render_parentheses, figsize=(8.0, 5.0),
                        note="只能输入 '(' 和 ')'。输入方式为“嵌套深度”时使用滑块，忽略文本框。")
