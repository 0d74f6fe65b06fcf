"""Widget: the hidden size a fixed seq2seq context vector needs, d_h·q ≥ T_y·(log2|V| − H_CE)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from rnn_course.memory import bottleneck_requirement
from rnn_course.validation import require_int, require_number
from rnn_course.widgets.base import CourseWidget, float_slider, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes

OUTPUT_LENGTH_RANGE = (0, 200)
VOCAB_SIZE_RANGE = (1, 100_000)
CE_BITS_RANGE = (0.0, 20.0)
BITS_PER_DIM_RANGE = (1, 32)


def _required_sizes(lengths: np.ndarray, vocab_size: int, ce_bits: float, bits_per_dim: float) -> np.ndarray:
    return np.array([bottleneck_requirement(int(length), vocab_size, ce_bits, bits_per_dim).hidden_size
                     for length in lengths])


def render_bottleneck(figure: Figure, output_length: int = 20, vocab_size: int = 10_000, ce_bits: float = 2.0,
                      bits_per_dim: float = 8.0) -> dict[str, str]:
    """Plot the required d_h against T_y for the chosen H_CE and for H_CE = 0, mark the current T_y; return readouts."""
    requirement = bottleneck_requirement(output_length, vocab_size, ce_bits, bits_per_dim)
    T_y = require_int("T_y", output_length)
    vocab = require_int("|V|", vocab_size)
    H_CE = require_number("H_CE", ce_bits)
    q = require_number("q", bits_per_dim)

    (axes,) = add_fixed_axes(figure, (0.1, 0.12, 0.86, 0.78))
    lengths = np.arange(OUTPUT_LENGTH_RANGE[1] + 1)
    axes.step(lengths, _required_sizes(lengths, vocab, 0.0, q), where="post", color="gray", linestyle="--",
              label=f"H_CE = 0（完美解码，需求最大），|V| = {vocab:,}，q = {q:g}")
    axes.step(lengths, _required_sizes(lengths, vocab, H_CE, q), where="post", color="tab:blue",
              label=f"H_CE = {H_CE:.2f} 比特/词元")
    axes.plot([T_y], [requirement.hidden_size], marker="o", color="tab:red", linestyle="none",
              label=f"当前 T_y = {T_y}：d_h ≥ {requirement.hidden_size}")
    axes.set_xlabel("输出长度 T_y（词元）")
    axes.set_ylabel("所需最小隐藏维度 d_h")
    axes.set_title("d_h·q ≥ T_y·(log2|V| − H_CE)：d_h 随 T_y 线性增长，随 H_CE 增大而下降")
    axes.set_ylim(bottom=-0.5)
    axes.legend(fontsize=8, loc="upper left")
    axes.grid(True, alpha=0.3)

    return {
        "每个词元的信息 log2|V| − H_CE（比特）": f"{requirement.bits_per_token:.4f}",
        "需要携带的信息 T_y·(log2|V| − H_CE)（比特）": f"{requirement.required_bits:.4f}",
        "所需最小隐藏维度 d_h": str(requirement.hidden_size),
        "注意": "估计假设每个输出词元的边缘熵都等于 log2|V|（均匀），是上界式估计，不是恒等式",
    }


def bottleneck_widget() -> CourseWidget:
    """Return the bottleneck widget with sliders for T_y, |V|, H_CE and q."""
    controls = {
        "output_length": int_slider("输出长度 T_y", 20, *OUTPUT_LENGTH_RANGE),
        "vocab_size": int_slider("词表大小 |V|", 10_000, *VOCAB_SIZE_RANGE),
        "ce_bits": float_slider("交叉熵 H_CE（比特/词元）", 2.0, *CE_BITS_RANGE, step=0.1),
        "bits_per_dim": int_slider("每维量化位数 q（比特）", 8, *BITS_PER_DIM_RANGE),
    }
    return CourseWidget("Seq2Seq 信息瓶颈：所需的隐藏维度", controls, render_bottleneck,
                        note="d_h 是满足 d_h·q ≥ T_y·(log2|V| − H_CE) 的最小非负整数。")
