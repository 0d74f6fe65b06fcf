"""Widget: the backward weight w_b of ŷ_t = w_f·x_t + w_b·z_t trained with the future z_t masked with probability ρ."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rnn_course.bidirectional import (
    SecondMoments,
    closed_form_backward_weight,
    make_future_regression_data,
    masked_least_squares,
    profile_loss_over_backward_weight,
)
from rnn_course.validation import require_number
from rnn_course.widgets.base import CourseWidget, float_slider
from rnn_course.widgets.fast_layout import add_fixed_axes

RHO_RANGE = (0.0, 1.0)
FUTURE_COEF_RANGE = (0.0, 1.5)
NUM_SAMPLES = 2000
CORRELATION = 0.6  # correlation of x_t and z_t = x_{t+1}; it makes w_b*(ρ) move with ρ
WEIGHT_DECAY = 0.05
INITIAL_W_B = 0.5  # where gradient descent starts; at ρ = 1 without weight decay it stays there
W_B_GRID = np.linspace(-0.5, 2.0, 101)
RHO_GRID = np.linspace(0.0, 1.0, 101)
DATA_SEED = 0
TICKS_PER_AXIS = 5


@lru_cache(maxsize=64)
def _moments(future_coef: float) -> SecondMoments:
    x, z, y = make_future_regression_data(NUM_SAMPLES, future_coef, correlation=CORRELATION, seed=DATA_SEED)
    return SecondMoments.from_data(x, z, y)


def _weight_decay_curve(moments: SecondMoments) -> np.ndarray:
    return np.array([masked_least_squares(moments, rho, WEIGHT_DECAY)[1] for rho in RHO_GRID])


def render_bidirectional_masking(figure: Figure, rho: float = 0.5, future_coef: float = 0.8) -> dict[str, str]:
    """Draw w_b*(ρ) with and without weight decay, and the loss over w_b at the chosen ρ; return readouts."""
    rho = require_number("屏蔽概率 ρ", rho, low=0.0, high=1.0)
    future_coef = require_number("y 对未来的依赖系数 c", future_coef)
    moments = _moments(round(future_coef, 6))

    left, right = add_fixed_axes(figure, (0.08, 0.13, 0.38, 0.75), (0.58, 0.13, 0.38, 0.75))
    for axes in (left, right):
        # Fewer ticks mean fewer text objects to lay out, the largest part of the render time.
        axes.xaxis.set_major_locator(MaxNLocator(TICKS_PER_AXIS))
        axes.yaxis.set_major_locator(MaxNLocator(TICKS_PER_AXIS))
    left.plot(RHO_GRID, closed_form_backward_weight(moments, RHO_GRID), color="tab:blue", label="无权重衰减（ρ < 1）")
    left.plot(RHO_GRID, _weight_decay_curve(moments), color="tab:green", linestyle="--",
              label=f"权重衰减 λ = {WEIGHT_DECAY}")
    left.plot([1.0], [INITIAL_W_B], linestyle="none", marker="x", color="tab:red", markersize=8,
              label=f"ρ = 1 无衰减：梯度下降停在初值 {INITIAL_W_B}")
    left.axvline(rho, color="gray", linewidth=1)
    left.axhline(0.0, color="black", linewidth=0.5)
    left.set_xlabel("屏蔽概率 ρ")
    left.set_ylabel("最优后向权重 w_b*")
    left.set_title("w_b* 随 ρ 的变化")
    left.legend(fontsize=7, loc="best")
    left.grid(True, alpha=0.3)

    loss_plain = profile_loss_over_backward_weight(moments, rho, W_B_GRID)
    loss_decay = profile_loss_over_backward_weight(moments, rho, W_B_GRID, WEIGHT_DECAY)
    right.plot(W_B_GRID, loss_plain, color="tab:blue", label="无权重衰减")
    right.plot(W_B_GRID, loss_decay, color="tab:green", linestyle="--", label=f"权重衰减 λ = {WEIGHT_DECAY}")
    right.set_xlabel("后向权重 w_b（w_f 取该 w_b 下的最优值）")
    right.set_ylabel("屏蔽平均后的均方损失")
    right.set_title(f"ρ = {rho:.2f} 时损失关于 w_b 的曲线")
    right.legend(fontsize=8, loc="upper center")
    right.grid(True, alpha=0.3)

    w_f_plain, w_b_plain = masked_least_squares(moments, rho)
    _, w_b_decay = masked_least_squares(moments, rho, WEIGHT_DECAY)
    plain_text = ("不可辨识：z 总被屏蔽，任意 w_b 损失相同" if np.isnan(w_b_plain) else f"{w_b_plain:.4f}")
    r_squared = moments.S_xz**2 / (moments.S_xx * moments.S_zz)
    # Limit of w_b*(ρ) as ρ → 1 from below: the denominator of the closed form tends to S_xx·S_zz.
    limit = (moments.S_xx * moments.S_zy - moments.S_xz * moments.S_xy) / (moments.S_xx * moments.S_zz)
    return {
        "w_b*（无权重衰减）": plain_text,
        f"w_b*（权重衰减 λ = {WEIGHT_DECAY}）": f"{w_b_decay:.4f}",
        "ρ → 1 时无衰减 w_b* 的极限 c·(1 − r²)（样本估计）": f"{limit:.4f}（r² = {r_squared:.3f}）",
        "损失曲线在 w_b 网格上的最大落差（无衰减）": f"{loss_plain.max() - loss_plain.min():.4g}",
    }


def bidirectional_masking_widget() -> CourseWidget:
    """Return the masked-future widget with sliders for ρ and the future coefficient c."""
    controls = {
        "rho": float_slider("屏蔽概率 ρ", 0.5, *RHO_RANGE, step=0.05),
        "future_coef": float_slider("y 对未来的依赖系数 c", 0.8, *FUTURE_COEF_RANGE, step=0.05),
    }
    return CourseWidget("双向 RNN 的未来屏蔽训练：后向权重 w_b", controls, render_bidirectional_masking,
                        figsize=(9.0, 4.2),
                        note=(f"数据：y_t = x_t + c·x_(t+1) + 噪声，z_t = x_(t+1)，corr(x_t, z_t) = {CORRELATION}，"
                              f"{NUM_SAMPLES} 个样本（种子 {DATA_SEED}）；曲线为屏蔽期望下的闭式最优解。"))
