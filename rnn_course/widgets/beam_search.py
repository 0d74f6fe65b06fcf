"""Widget: beam search on a toy bigram model whose temperature is fitted with the entropy-matching loss.

The data distribution q has seeded logits. The model has the same logits plus seeded noise (an
imperfect model) and one inverse temperature β, which is fitted by minimising
Σ_t CE(q_t‖p̂_t) + α·Σ_t (H(p̂_t) − H(q_t))² over the rows t. The widget draws the beam-search tree on
the fitted model and the exact entropy of its output sequences against α.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rnn_course.generation import (
    EOS_TOKEN,
    BigramModel,
    beam_search_trace,
    bigram_from_logits,
    exhaustive_scores,
    fit_inverse_temperature,
    greedy_decode,
    sample_sequences,
    sequence_entropy,
    tokens_to_text,
    toy_logits,
)
from rnn_course.validation import require_int, require_number
from rnn_course.widgets.base import CourseWidget, float_slider, int_slider
from rnn_course.widgets.fast_layout import add_fixed_axes

BEAM_RANGE = (1, 8)
ALPHA_RANGE = (0.0, 5.0)
ALPHA_STEP = 0.25
DATA_SEED = 0
DATA_SCALE = 2.0  # standard deviation of the data logits: peaked enough for greedy decoding to go wrong
MODEL_NOISE = 1.0  # standard deviation of the noise that makes the model imperfect
MODEL_NOISE_SEED = 1
NUM_SAMPLES = 200
SAMPLE_SEED = 0
# Only the best few ranks get a text label: labels cost render time and overlap when the beam is wide.
LABELED_RANKS = 4
TICKS_PER_AXIS = 5
ALPHA_CURVE = np.arange(ALPHA_RANGE[0], ALPHA_RANGE[1] + ALPHA_STEP / 2, ALPHA_STEP)


def data_and_model_logits() -> tuple[np.ndarray, np.ndarray]:
    """Return the seeded data logits and the imperfect model's logits (data plus seeded noise)."""
    data_logits = toy_logits(DATA_SEED, DATA_SCALE)
    noise = np.random.default_rng(MODEL_NOISE_SEED).standard_normal(data_logits.shape)
    return data_logits, data_logits + MODEL_NOISE * noise


@lru_cache(maxsize=64)
def fitted_model(alpha: float) -> tuple[float, BigramModel]:
    """Return (β*, the bigram model softmax(β*·model logits)) fitted with entropy-matching weight alpha."""
    data_logits, model_logits = data_and_model_logits()
    beta, _, _ = fit_inverse_temperature(data_logits, model_logits, alpha)
    return beta, bigram_from_logits(model_logits, beta)


@lru_cache(maxsize=64)
def _diversity(alpha: float) -> tuple[float, int]:
    _, model = fitted_model(alpha)
    samples = sample_sequences(model, NUM_SAMPLES, seed=SAMPLE_SEED)
    return sequence_entropy(model), len(set(samples))


@lru_cache(maxsize=1)
def _entropy_curve() -> np.ndarray:
    return np.array([sequence_entropy(fitted_model(round(float(alpha), 6))[1]) for alpha in ALPHA_CURVE])


def _draw_tree(axes, model: BigramModel, beam_size: int) -> tuple[tuple[int, ...], float]:
    """Draw the kept candidates of every step at their rank in the beam, linked to their parents."""
    best_tokens, best_score, steps = beam_search_trace(model, beam_size)
    segments, live_points, finished_points = [], [(0, 0)], []
    previous_ranks = {0: 0}  # index in the previous live list -> its rank row
    axes.text(0.08, -0.18, "<bos>", fontsize=7)
    for step_index, step in enumerate(steps, start=1):
        kept = sorted((i for i, is_kept in enumerate(step.kept) if is_kept), key=lambda i: -step.candidates[i][1])
        live_ranks = {}
        for rank, i in enumerate(kept):
            prefix, score = step.candidates[i]
            segments.append([(step_index - 1, previous_ranks[step.parents[i]]), (step_index, rank)])
            if rank < LABELED_RANKS:
                axes.text(step_index + 0.08, rank - 0.18, f"{tokens_to_text(prefix)} {score:.2f}", fontsize=7)
            if prefix[-1] == EOS_TOKEN:
                finished_points.append((step_index, rank))
            else:
                live_points.append((step_index, rank))
                live_ranks[len(live_ranks)] = rank
        previous_ranks = live_ranks
    # One collection for all edges and one scatter per marker kind keep the artist count, and the render time, low.
    axes.add_collection(LineCollection(segments, colors="tab:blue", linewidths=0.8))
    axes.scatter(*zip(*live_points, strict=True), marker="o", s=22, color="tab:blue", zorder=3)
    if finished_points:
        axes.scatter(*zip(*finished_points, strict=True), marker="s", s=22, color="tab:red", zorder=3)
    axes.set_ylim(beam_size - 0.4, -0.6)
    axes.set_yticks(range(beam_size))
    return best_tokens, best_score


def render_beam_search(figure: Figure, beam_size: int = 2, alpha: float = 1.0) -> dict[str, str]:
    """Draw the beam-search tree of the fitted model and its output entropy against α; return readouts."""
    beam_size = require_int("束宽 B", beam_size, low=1)
    alpha = require_number("熵匹配权重 α", alpha, low=0.0)
    beta, model = fitted_model(round(alpha, 6))

    tree_axes, entropy_axes = add_fixed_axes(figure, (0.07, 0.13, 0.5, 0.75), (0.67, 0.13, 0.3, 0.75))
    # Fewer ticks mean fewer text objects to lay out, the largest part of the render time.
    entropy_axes.xaxis.set_major_locator(MaxNLocator(TICKS_PER_AXIS))
    entropy_axes.yaxis.set_major_locator(MaxNLocator(TICKS_PER_AXIS))
    best_tokens, best_score = _draw_tree(tree_axes, model, beam_size)
    tree_axes.set_xlabel("解码步（已生成的词数）")
    tree_axes.set_ylabel("束内名次（按累计 log p 排序，0 为最高）")
    tree_axes.set_title(f"束搜索树：B = {beam_size}；标注前缀与累计 log p（奈特，仅前 {LABELED_RANKS} 名），"
                        "红方块为已结束", fontsize=9)
    tree_axes.set_xlim(-0.2, 6.4)
    tree_axes.set_xticks(range(6))

    data_logits, _ = data_and_model_logits()
    data_entropy = sequence_entropy(bigram_from_logits(data_logits))
    entropy_axes.plot(ALPHA_CURVE, _entropy_curve(), color="tab:purple", label="拟合模型")
    entropy_axes.axhline(data_entropy, color="black", linestyle="--", linewidth=1, label="数据分布 q")
    entropy, distinct = _diversity(round(alpha, 6))
    entropy_axes.plot([alpha], [entropy], marker="o", color="tab:purple")
    entropy_axes.set_xlabel("熵匹配权重 α")
    entropy_axes.set_ylabel("输出序列的熵（奈特）")
    entropy_axes.set_title("输出多样性", fontsize=10)
    entropy_axes.legend(fontsize=8, loc="best")
    entropy_axes.grid(True, alpha=0.3)

    sequences, scores = exhaustive_scores(model)
    best_index = int(np.argmax(scores))
    greedy_tokens, greedy_score = greedy_decode(model)
    return {
        "拟合得到的逆温度 β*": f"{beta:.3f}",
        f"束搜索结果（B = {beam_size}）": f"{tokens_to_text(best_tokens)}，log p = {best_score:.4f}",
        "贪心解码结果": f"{tokens_to_text(greedy_tokens)}，log p = {greedy_score:.4f}",
        "穷举得到的最优序列": f"{tokens_to_text(sequences[best_index])}，log p = {scores[best_index]:.4f}",
        "输出序列的熵 H（精确枚举）": f"{entropy:.4f} 奈特（有效序列数 e^H ≈ {np.exp(entropy):.1f}）",
        f"{NUM_SAMPLES} 次采样中不同输出的个数": f"{distinct}",
    }


def beam_search_widget() -> CourseWidget:
    """Return the beam-search widget with sliders for the beam size and the entropy-matching weight α."""
    controls = {
        "beam_size": int_slider("束宽 B", 2, *BEAM_RANGE),
        "alpha": float_slider("熵匹配权重 α", 1.0, *ALPHA_RANGE, step=ALPHA_STEP),
    }
    return CourseWidget("束搜索与熵匹配：搜索树和输出多样性", controls, render_beam_search, figsize=(10.0, 4.6),
                        note=("玩具二元语言模型：词表 {<eos>, 甲, 乙, 丙, 丁}，最多 5 个词；"
                              "按总对数概率排序，不做长度归一化。"))
