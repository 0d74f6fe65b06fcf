"""Dot-product attention as alignment: synthetic alignment patterns with a sharpness knob, their
row entropies against the uniform entropy log T_x, and the error bound for weight that leaks
outside the relevant input positions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rnn_course.validation import require_choice, require_int, require_number

ALIGNMENT_PATTERNS = ("monotonic", "reversed", "local", "random")
ALIGNMENT_PATTERN_NAMES = {"monotonic": "单调", "reversed": "反向", "local": "局部", "random": "随机"}
# Half width of the window that local attention may read: |i − c_t| ≤ 2 leaves 4 or 5 positions,
# so even β = 0 is far from uniform over a long input.
LOCAL_HALF_WIDTH = 2.0


def _check_lengths(T_x: int, T_y: int) -> tuple[int, int]:
    return require_int("T_x", T_x, low=1), require_int("T_y", T_y, low=1)


def alignment_centers(T_x: int, T_y: int, pattern: str = "monotonic", seed: int = 0) -> np.ndarray:
    """Return the input position c_t (0-based, may be fractional) that output step t aligns with, shape (T_y,).

    monotonic and local map the middle of output cell t linearly onto the input axis, reversed
    mirrors that map, and random draws c_t uniformly from [0, T_x − 1] with the given seed.
    """
    T_x, T_y = _check_lengths(T_x, T_y)
    pattern = require_choice("对齐模式", pattern, ALIGNMENT_PATTERNS)
    seed = require_int("seed", seed, low=0)
    linear = (np.arange(T_y) + 0.5) * T_x / T_y - 0.5
    if pattern == "reversed":
        return (T_x - 1) - linear
    if pattern == "random":
        return np.random.default_rng(seed).uniform(0.0, T_x - 1, size=T_y)
    return linear


def alignment_scores(T_x: int, T_y: int, sharpness: float, pattern: str = "monotonic", seed: int = 0
                     ) -> torch.Tensor:
    """Return scores s_{t,i} = −β·(i − c_t)², shape (T_y, T_x), float64; −inf outside the local window.

    The score is a dot product q_tᵀK_i with K_i = (i, i², 1) and q_t = β·(2c_t, −1, −c_t²), so a
    softmax over it is ordinary dot-product attention with a Gaussian-shaped alignment.
    """
    beta = require_number("锐度 β", sharpness, low=0)
    centers = torch.from_numpy(alignment_centers(T_x, T_y, pattern, seed))
    positions = torch.arange(T_x, dtype=torch.float64)
    distance = positions[None, :] - centers[:, None]
    scores = -beta * distance.pow(2)
    if pattern == "local":
        # The nearest integer to c_t lies within 0.5 ≤ LOCAL_HALF_WIDTH, so no row is fully masked.
        scores = scores.masked_fill(distance.abs() > LOCAL_HALF_WIDTH, float("-inf"))
    return scores


def alignment_weights(T_x: int, T_y: int, sharpness: float, pattern: str = "monotonic", seed: int = 0
                      ) -> np.ndarray:
    """Return the attention matrix α = softmax over i of the alignment scores, shape (T_y, T_x)."""
    return torch.softmax(alignment_scores(T_x, T_y, sharpness, pattern, seed), dim=-1).numpy()


@dataclass(frozen=True)
class AlignmentSummary:
    """Row entropies of an attention matrix (nats) against the uniform entropy log T_x."""

    row_entropy: np.ndarray     # shape (T_y,)
    mean_entropy: float
    uniform_entropy: float      # log T_x
    reduction_factor: float | None  # log T_x / mean entropy; None at T_x = 1, inf for one-hot rows

    @property
    def factor_text(self) -> str:
        """Chinese readout of the reduction factor that covers the undefined cases."""
        if self.reduction_factor is None:
            return "无定义：T_x = 1 时只有一个位置，均匀熵与实际熵都是 0"
        if math.isinf(self.reduction_factor):
            return "∞：每一行都是独热分布，熵为 0"
        return f"{self.reduction_factor:.2f} 倍"


def summarize_alignment(weights: np.ndarray) -> AlignmentSummary:
    """Measure row entropies −Σ α log α with torch.special.entr, which defines 0·log 0 = 0.

    torch.distributions.Categorical(probs=...).entropy() is not used because it clamps probabilities
    to [eps, 1 − eps] and so returns 2.2e-16 instead of 0 for a one-hot row.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[1] < 1:
        raise ValueError(f"注意力矩阵的形状应为 (T_y, T_x) 且 T_x ≥ 1，收到 {weights.shape}。")
    if np.any(weights < 0) or not np.allclose(weights.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError("注意力矩阵的每一行必须是概率分布（元素非负、和为 1）；请先对分数做 softmax。")
    row_entropy = torch.special.entr(torch.from_numpy(weights)).sum(dim=-1).numpy()
    mean_entropy = float(row_entropy.mean())
    uniform_entropy = math.log(weights.shape[1])
    if weights.shape[1] == 1:
        factor = None
    elif mean_entropy == 0.0:
        factor = math.inf
    else:
        factor = uniform_entropy / mean_entropy
    return AlignmentSummary(row_entropy, mean_entropy, uniform_entropy, factor)


@dataclass(frozen=True)
class AttentionErrorCheck:
    """‖c − y*‖ and the terms of its bound ε·D_out + ½‖α_S − (1 − ε)β‖₁·D_in."""

    error: float                # ‖c − y*‖
    leak: float                 # ε = Σ_{i∉S} α_i
    leak_term: float            # ε·D_out, D_out = max_{i∉S, j∈S} ‖V_i − V_j‖
    mismatch_term: float        # ½‖α_S − (1 − ε)β‖₁ · D_in, D_in = max_{i,j∈S} ‖V_i − V_j‖
    max_norm_bound: float       # 2ε·max_i‖V_i‖ + ‖α_S − (1 − ε)β‖₁·max_{i∈S}‖V_i‖

    @property
    def bound(self) -> float:
        return self.leak_term + self.mismatch_term


def attention_error_check(alpha: np.ndarray, values: np.ndarray, relevant: np.ndarray, beta: np.ndarray
                          ) -> AttentionErrorCheck:
    """Compare the context c = Σ α_i V_i with the target y* = Σ_{i∈S} β_i V_i.

    alpha (T_x,) is a distribution, values (T_x, d_v), relevant (T_x,) bool marks S (non-empty),
    beta (|S|,) is a distribution over S in the order of the positions in S.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    relevant = np.asarray(relevant, dtype=bool)
    beta = np.asarray(beta, dtype=np.float64)
    T_x = alpha.shape[0]
    if values.ndim != 2 or values.shape[0] != T_x or relevant.shape != (T_x,):
        raise ValueError(f"形状不匹配：alpha {alpha.shape}，values {values.shape}，relevant {relevant.shape}；"
                         "应为 (T_x,)、(T_x, d_v)、(T_x,)。")
    if not relevant.any():
        raise ValueError("相关集合 S 不能为空：relevant 至少要有一个 True。")
    if beta.shape != (int(relevant.sum()),):
        raise ValueError(f"beta 的形状应为 ({int(relevant.sum())},)（S 的大小），收到 {beta.shape}。")
    for name, distribution in (("alpha", alpha), ("beta", beta)):
        if np.any(distribution < 0) or not math.isclose(float(distribution.sum()), 1.0, abs_tol=1e-9):
            raise ValueError(f"{name} 必须是概率分布（元素非负、和为 1），收到和为 {distribution.sum():.6g}。")

    context = alpha @ values
    target = beta @ values[relevant]
    leak = float(alpha[~relevant].sum())
    inside, outside = values[relevant], values[~relevant]
    pairwise_out = np.linalg.norm(outside[:, None, :] - inside[None, :, :], axis=-1)
    pairwise_in = np.linalg.norm(inside[:, None, :] - inside[None, :, :], axis=-1)
    D_out = float(pairwise_out.max()) if outside.size else 0.0
    D_in = float(pairwise_in.max())
    mismatch = float(np.abs(alpha[relevant] - (1 - leak) * beta).sum())
    norms = np.linalg.norm(values, axis=-1)
    return AttentionErrorCheck(
        error=float(np.linalg.norm(context - target)),
        leak=leak,
        leak_term=leak * D_out,
        mismatch_term=0.5 * mismatch * D_in,
        max_norm_bound=2 * leak * float(norms.max()) + mismatch * float(norms[relevant].max()),
    )
