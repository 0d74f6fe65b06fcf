"""Autoregressive rollout and controlled generation, shaped for the chapter's plots and widgets.

Rollout: a one-step model g is iterated on its own predictions (iterative many-to-one), or a
direct model predicts every horizon k from the start state (one-to-many). With a true map f of
Lipschitz constant L and a one-step model error at most μ, the iterative error obeys
a_{k+1} ≤ L·a_k + μ, hence a_k ≤ a_0·L^k + μ·Σ_{j<k} L^j; a direct predictor with error at most μ_o
at every horizon obeys b_k ≤ L^k·a_0 + μ_o.

Generation: a first-order (bigram) toy language model over a few tokens and an exhaustive list of
its finished sequences. A greedy decoder and a beam search that records every step (for drawing
the search tree) decode it, and a grid search fits its temperature under the entropy-matching loss.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from rnn_course.torch_threads import single_torch_thread
from rnn_course.validation import require_int, require_number

# ---------------------------------------------------------------------------------------------
# Rollout and error accumulation
# ---------------------------------------------------------------------------------------------


def error_bound_curves(L: float, mu: float, a0: float, horizon: int,
                       mu_direct: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the iterative bound a_k and the direct bound b_k for k = 0..horizon as two arrays.

    a_k = a0·L^k + μ·Σ_{j<k} L^j, with the sum written as k at L = 1 and (L^k − 1)/(L − 1) otherwise;
    b_k = a0·L^k + μ_o for k ≥ 1 and b_0 = a0. mu_direct defaults to mu.
    """
    L = require_number("L", L, low=0.0)
    mu = require_number("mu", mu, low=0.0)
    a0 = require_number("a0", a0, low=0.0)
    horizon = require_int("horizon", horizon, low=0)
    mu_direct = mu if mu_direct is None else require_number("mu_direct", mu_direct, low=0.0)
    k = np.arange(horizon + 1, dtype=np.float64)
    with np.errstate(over="ignore"):
        growth = L**k
        geometric_sum = k if L == 1.0 else (growth - 1.0) / (L - 1.0)
        iterative = a0 * growth + mu * geometric_sum
        direct = a0 * growth + np.where(k > 0, mu_direct, 0.0)
    return iterative, direct


def logistic_map(x: np.ndarray | float, r: float) -> np.ndarray:
    """Return r·x·(1 − x); on [0, 1] its Lipschitz constant is r, the maximum of |r·(1 − 2x)|."""
    return r * np.asarray(x) * (1.0 - np.asarray(x))


def rotation_map(state: np.ndarray, theta: float) -> np.ndarray:
    """Rotate 2-D states (..., 2) by theta: the exact time-Δt flow of the harmonic oscillator, an isometry (L = 1)."""
    c, s = math.cos(theta), math.sin(theta)
    state = np.asarray(state, dtype=np.float64)
    return np.stack([c * state[..., 0] - s * state[..., 1], s * state[..., 0] + c * state[..., 1]], axis=-1)


def fit_logistic_rate(x_t: np.ndarray, x_next: np.ndarray) -> float:
    """Return the least-squares r̂ of x_next ≈ r·x_t·(1 − x_t), i.e. Σ u·x_next / Σ u² with u = x_t(1 − x_t)."""
    u = np.asarray(x_t) * (1.0 - np.asarray(x_t))
    return float(u @ np.asarray(x_next) / (u @ u))


def fit_rotation_angle(states: np.ndarray, next_states: np.ndarray) -> float:
    """Return the least-squares rotation angle θ̂ mapping states (N, 2) to next_states (N, 2).

    Minimising Σ‖R(θ)s − s'‖² over θ is the 2-D orthogonal Procrustes problem, whose solution is
    θ̂ = atan2(Σ s × s', Σ s · s').
    """
    states = np.asarray(states, dtype=np.float64)
    next_states = np.asarray(next_states, dtype=np.float64)
    cross = np.sum(states[:, 0] * next_states[:, 1] - states[:, 1] * next_states[:, 0])
    dot = np.sum(states * next_states)
    return float(math.atan2(cross, dot))


def _error_size(difference: np.ndarray, state_ndim: int) -> np.ndarray:
    """Return |difference| for scalar states, or its Euclidean norm over the last axis for vector states."""
    return np.abs(difference) if state_ndim == 0 else np.linalg.norm(difference, axis=-1)


def rollout_errors(true_step: Callable[[np.ndarray], np.ndarray], model_step: Callable[[np.ndarray], np.ndarray],
                   x0: np.ndarray | float, horizon: int, x0_error: np.ndarray | float = 0.0,
                   state_ndim: int = 0) -> np.ndarray:
    """Iterate the model on its own predictions from x0 + x0_error; return ‖x̂_k − x_k‖ for k = 0..horizon.

    x0 may hold a batch of starts: with state_ndim = 0 every entry is a scalar state, with
    state_ndim = 1 the last axis is the state vector. The result has shape (horizon + 1, *batch).
    """
    horizon = require_int("horizon", horizon, low=0)
    state_ndim = require_int("state_ndim", state_ndim, low=0, high=1)
    x_true = np.asarray(x0, dtype=np.float64)
    x_hat = x_true + x0_error
    errors = []
    for _ in range(horizon + 1):
        errors.append(_error_size(x_hat - x_true, state_ndim))
        x_true = true_step(x_true)
        x_hat = model_step(x_hat)
    return np.array(errors)


def direct_errors(true_step: Callable[[np.ndarray], np.ndarray], x0: np.ndarray | float, horizon: int,
                  per_horizon_error: np.ndarray, x0_error: np.ndarray | float = 0.0,
                  state_ndim: int = 0) -> np.ndarray:
    """Return ‖x̂_k − x_k‖ of a direct predictor x̂_k = f^k(x0 + x0_error) + e_k for k = 0..horizon.

    per_horizon_error contains e_1..e_horizon, shape (horizon, *x0.shape); e_0 = 0. This models a
    one-to-many predictor whose own error at horizon k is e_k and that never reads its outputs.
    x0 and state_ndim follow ``rollout_errors``; the result has shape (horizon + 1, *batch).
    """
    horizon = require_int("horizon", horizon, low=0)
    state_ndim = require_int("state_ndim", state_ndim, low=0, high=1)
    per_horizon_error = np.asarray(per_horizon_error, dtype=np.float64)
    if per_horizon_error.shape[0] != horizon:
        raise ValueError(f"per_horizon_error 的第一维应为 horizon={horizon}，收到 {per_horizon_error.shape[0]}。")
    x_true = np.asarray(x0, dtype=np.float64)
    x_start = x_true + x0_error
    errors = [_error_size(x_start - x_true, state_ndim)]
    for k in range(1, horizon + 1):
        x_true = true_step(x_true)
        x_start = true_step(x_start)
        errors.append(_error_size(x_start + per_horizon_error[k - 1] - x_true, state_ndim))
    return np.array(errors)


def linear_rollout_errors(L: float, mu: float, horizon: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Simulate the scalar system x_{k+1} = L·x_k with a model that adds a one-step error of size at most μ.

    Returns errors for k = 0..horizon (a0 = 0): "bias" (the model always adds +μ, the worst case,
    which meets the bound), "noise" (seeded errors uniform in [−μ, μ]) and "direct" (a direct
    predictor with seeded errors uniform in [−μ, μ] at each horizon).
    """
    L = require_number("L", L, low=0.0)
    mu = require_number("mu", mu, low=0.0)
    horizon = require_int("horizon", horizon, low=0)
    rng = np.random.default_rng(seed)
    step_noise = rng.uniform(-mu, mu, size=horizon)
    direct_noise = rng.uniform(-mu, mu, size=horizon)
    bias = np.zeros(horizon + 1)
    noise = np.zeros(horizon + 1)
    for k in range(horizon):
        # The error obeys e_{k+1} = L·e_k + (model error), because the system is linear.
        bias[k + 1] = L * bias[k] + mu
        noise[k + 1] = L * noise[k] + step_noise[k]
    direct = np.concatenate([[0.0], np.abs(direct_noise)])
    return {"bias": np.abs(bias), "noise": np.abs(noise), "direct": direct}


# ---------------------------------------------------------------------------------------------
# Toy autoregressive language model and search
# ---------------------------------------------------------------------------------------------

# Token 0 is <eos>; tokens 1..4 are words; BOS_TOKEN only starts a sequence and is never generated.
TOKEN_NAMES = ("<eos>", "甲", "乙", "丙", "丁")
EOS_TOKEN = 0
BOS_TOKEN = len(TOKEN_NAMES)
VOCAB_SIZE = len(TOKEN_NAMES)
MAX_LEN = 5
# Grid of inverse temperatures β searched by fit_inverse_temperature; step 0.005 is finer than any plotted effect.
DEFAULT_BETAS = np.linspace(0.05, 3.0, 591)


@dataclass(frozen=True)
class BigramModel:
    """Next-token log-probabilities that depend only on the last token: log_probs[last_token, next_token].

    Rows 0..VOCAB_SIZE−1 follow each token, row BOS_TOKEN starts a sequence (the <eos> row is unused).
    """

    log_probs: np.ndarray  # (VOCAB_SIZE + 1, VOCAB_SIZE)

    def step_log_probs(self, prefix: tuple[int, ...]) -> np.ndarray:
        return self.log_probs[prefix[-1]]

    def sequence_log_prob(self, tokens: tuple[int, ...]) -> float:
        """Return Σ log p(token | previous token) over tokens[1:], tokens[0] being BOS_TOKEN."""
        return float(sum(self.log_probs[a, b] for a, b in itertools.pairwise(tokens)))


def toy_logits(seed: int = 0, scale: float = 2.0) -> np.ndarray:
    """Return seeded Gaussian logits (VOCAB_SIZE + 1, VOCAB_SIZE) of the toy bigram model.

    scale is the standard deviation of the logits, so a larger scale gives more peaked rows.
    """
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((VOCAB_SIZE + 1, VOCAB_SIZE))


def bigram_from_logits(logits: np.ndarray, temperature_inverse: float = 1.0) -> BigramModel:
    """Return the BigramModel with log_probs = log_softmax(β·logits) along the last axis, β = temperature_inverse.

    The start row gives <eos> probability 0, so every output has at least one word; without this the
    empty output often wins, because every extra token lowers the total log-probability.
    """
    scaled = torch.as_tensor(np.asarray(logits, dtype=np.float64) * temperature_inverse)
    scaled[BOS_TOKEN, EOS_TOKEN] = -math.inf
    return BigramModel(torch.log_softmax(scaled, dim=-1).numpy())


@lru_cache(maxsize=8)
def _finished_sequence_table(max_len: int) -> tuple[tuple[tuple[int, ...], ...], np.ndarray, np.ndarray]:
    """Return the finished sequences, their tokens padded with <eos> to (N, max_len + 1), and a mask of real steps."""
    words = range(1, VOCAB_SIZE)
    sequences: list[tuple[int, ...]] = []
    for length in range(1, max_len):
        sequences.extend((BOS_TOKEN, *body, EOS_TOKEN) for body in itertools.product(words, repeat=length))
    sequences.extend((BOS_TOKEN, *body) for body in itertools.product(words, repeat=max_len))
    padded = np.full((len(sequences), max_len + 1), EOS_TOKEN, dtype=np.int64)
    real_step = np.zeros((len(sequences), max_len), dtype=bool)
    for row, tokens in enumerate(sequences):
        padded[row, : len(tokens)] = tokens
        real_step[row, : len(tokens) - 1] = True
    return tuple(sequences), padded, real_step


def finished_sequences(max_len: int = MAX_LEN) -> list[tuple[int, ...]]:
    """List every sequence a decoder can finish with: BOS, then 1 to max_len tokens ending in <eos> or a word.

    A sequence of max_len words without <eos> is also finished (the length limit ends it). The empty
    output (BOS, <eos>) is left out because the models here give it probability 0.
    """
    max_len = require_int("max_len", max_len, low=1)
    return list(_finished_sequence_table(max_len)[0])


def exhaustive_scores(model: BigramModel, max_len: int = MAX_LEN) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Return every finished sequence and its total log-probability; the probabilities sum to 1."""
    max_len = require_int("max_len", max_len, low=1)
    sequences, padded, real_step = _finished_sequence_table(max_len)
    step_log_probs = model.log_probs[padded[:, :-1], padded[:, 1:]]  # (N, max_len): log p(next | previous)
    scores = np.where(real_step, step_log_probs, 0.0).sum(axis=1)
    return list(sequences), scores


def greedy_decode(model: BigramModel, max_len: int = MAX_LEN) -> tuple[tuple[int, ...], float]:
    """Pick the most probable next token at every step; return (tokens, total log-probability)."""
    tokens = (BOS_TOKEN,)
    for _ in range(max_len):
        tokens = (*tokens, int(np.argmax(model.step_log_probs(tokens))))
        if tokens[-1] == EOS_TOKEN:
            break
    return tokens, model.sequence_log_prob(tokens)


@dataclass
class BeamStep:
    """One step of beam search: every candidate (prefix, score), its parent and whether it was kept.

    parents[i] is the index of candidate i's prefix in the previous step's list of live hypotheses.
    """

    candidates: list[tuple[tuple[int, ...], float]]
    parents: list[int]
    kept: list[bool]


def beam_search_trace(model: BigramModel, beam_size: int, max_len: int = MAX_LEN,
                      ) -> tuple[tuple[int, ...], float, list[BeamStep]]:
    """Run beam search by total log-probability (no length normalisation) and record every step.

    Each step extends every live hypothesis by every token and keeps the beam_size best candidates;
    kept candidates ending in <eos> are finished. Returns (best tokens, best score, steps).
    """
    beam_size = require_int("beam_size", beam_size, low=1)
    max_len = require_int("max_len", max_len, low=1)
    live: list[tuple[tuple[int, ...], float]] = [((BOS_TOKEN,), 0.0)]
    finished: list[tuple[tuple[int, ...], float]] = []
    steps: list[BeamStep] = []
    for _ in range(max_len):
        candidates, parents = [], []
        for parent_index, (prefix, score) in enumerate(live):
            log_p = model.step_log_probs(prefix)
            for token in range(VOCAB_SIZE):
                if log_p[token] == -math.inf:
                    continue  # a token of probability 0 is never a candidate
                candidates.append(((*prefix, token), score + float(log_p[token])))
                parents.append(parent_index)
        order = sorted(range(len(candidates)), key=lambda i: -candidates[i][1])
        kept_indices = set(order[:beam_size])
        steps.append(BeamStep(candidates, parents, [i in kept_indices for i in range(len(candidates))]))
        kept = [candidates[i] for i in order[:beam_size]]
        finished.extend(c for c in kept if c[0][-1] == EOS_TOKEN)
        live = [c for c in kept if c[0][-1] != EOS_TOKEN]
        if not live:
            break
    finished.extend(live)  # the length limit ends the hypotheses still live
    best_tokens, best_score = max(finished, key=lambda c: c[1])
    return best_tokens, best_score, steps


def tokens_to_text(tokens: tuple[int, ...]) -> str:
    """Return the readable text of a token sequence, without the start token."""
    return "".join(TOKEN_NAMES[t] for t in tokens if t != BOS_TOKEN)


# ---------------------------------------------------------------------------------------------
# Entropy matching
# ---------------------------------------------------------------------------------------------


def fit_inverse_temperature(target_logits: np.ndarray, model_logits: np.ndarray, alpha: float,
                            betas: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Fit β of the model p̂_t = softmax(β·model_logits_t) to targets q_t = softmax(target_logits_t) by grid search.

    The loss is Σ_t CE(q_t‖p̂_t) + α·Σ_t (H(p̂_t) − H(q_t))² in nats over the rows t. Returns
    (β*, cross-entropy term on the grid, entropy-gap term on the grid); the loss is their α-weighted sum.
    """
    alpha = require_number("alpha", alpha, low=0.0)
    betas = DEFAULT_BETAS if betas is None else np.asarray(betas, dtype=np.float64)
    with single_torch_thread():
        q = torch.softmax(torch.as_tensor(target_logits, dtype=torch.float64), dim=-1)  # (rows, V)
        beta_column = torch.as_tensor(betas).reshape(-1, 1, 1)
        log_p_hat = torch.log_softmax(beta_column * torch.as_tensor(model_logits, dtype=torch.float64), dim=-1)
        cross_entropy = -(q * log_p_hat).sum(dim=(-2, -1))  # (num_betas,); q > 0 everywhere for softmax targets
        H_p_hat = torch.distributions.Categorical(logits=log_p_hat).entropy()  # (num_betas, rows)
        H_q = torch.distributions.Categorical(probs=q).entropy()  # (rows,)
        entropy_gap = ((H_p_hat - H_q) ** 2).sum(dim=-1)
        loss = cross_entropy + alpha * entropy_gap
    return float(betas[int(torch.argmin(loss))]), cross_entropy.numpy(), entropy_gap.numpy()


def sequence_entropy(model: BigramModel, max_len: int = MAX_LEN) -> float:
    """Return the exact entropy (nats) of the distribution over finished sequences, by enumeration."""
    _, scores = exhaustive_scores(model, max_len)
    probs = np.exp(scores)
    return float(-(probs * scores).sum())


def sample_sequences(model: BigramModel, num_samples: int, max_len: int = MAX_LEN,
                     seed: int = 0) -> list[tuple[int, ...]]:
    """Draw seeded ancestral samples of finished sequences from the model."""
    num_samples = require_int("num_samples", num_samples, low=1)
    rng = np.random.default_rng(seed)
    probs = np.exp(model.log_probs)
    samples = []
    for _ in range(num_samples):
        tokens = (BOS_TOKEN,)
        for _ in range(max_len):
            row = probs[tokens[-1]]
            tokens = (*tokens, int(rng.choice(VOCAB_SIZE, p=row / row.sum())))
            if tokens[-1] == EOS_TOKEN:
                break
        samples.append(tokens)
    return samples
