"""Bidirectional RNNs: which inputs each half of the output reads, and training with the future masked.

The masked-future model is the scalar regression y_hat_t = w_f·x_t + w_b·m_t·z_t, where z_t carries
the future (here z_t = x_{t+1}) and the mask m_t ~ Bernoulli(1 − rho) is drawn afresh for every
sample. Averaged over the mask, the squared loss plus weight decay lambda·(w_f² + w_b²) is

    E[(y − w_f x − w_b m z)²] = S_yy − 2 w_f S_xy − 2 (1−rho) w_b S_zy
                                + w_f² S_xx + 2 (1−rho) w_f w_b S_xz + (1−rho) w_b² S_zz,

with S_ab the mean of a·b over the data, because E[m] = E[m²] = 1 − rho. Setting both derivatives to
zero gives the 2×2 linear system solved in ``masked_least_squares``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnn_course.torch_threads import single_torch_thread
from rnn_course.validation import require_int, require_number

# A 2×2 system whose determinant is below this (relative to its scale) has no unique solution.
SINGULAR_TOLERANCE = 1e-12


@dataclass(frozen=True)
class SecondMoments:
    """Sample second moments S_ab = mean(a·b) of present input x, future input z and target y."""

    S_xx: float
    S_xz: float
    S_zz: float
    S_xy: float
    S_zy: float
    S_yy: float

    @classmethod
    def from_data(cls, x: np.ndarray, z: np.ndarray, y: np.ndarray) -> SecondMoments:
        x, z, y = (np.asarray(a, dtype=np.float64).reshape(-1) for a in (x, z, y))
        if not (x.size == z.size == y.size) or x.size == 0:
            raise ValueError(f"x、z、y 必须是等长的非空数组，收到长度 {x.size}、{z.size}、{y.size}。")
        return cls(
            S_xx=float(x @ x / x.size), S_xz=float(x @ z / x.size), S_zz=float(z @ z / x.size),
            S_xy=float(x @ y / x.size), S_zy=float(z @ y / x.size), S_yy=float(y @ y / x.size),
        )


def make_future_regression_data(num_samples: int, future_coef: float, present_coef: float = 1.0,
                                correlation: float = 0.6, noise_std: float = 0.1,
                                seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw x_t from a stationary AR(1) process and return (x_t, z_t = x_{t+1}, y_t).

    y_t = present_coef·x_t + future_coef·x_{t+1} + noise, so future_coef sets how much the target
    depends on the future. correlation is the AR(1) coefficient, the correlation of x_t and z_t.
    """
    num_samples = require_int("num_samples", num_samples, low=2)
    future_coef = require_number("future_coef", future_coef)
    present_coef = require_number("present_coef", present_coef)
    correlation = require_number("correlation", correlation, low=-1.0, high=1.0, low_open=True, high_open=True)
    noise_std = require_number("noise_std", noise_std, low=0.0)
    rng = np.random.default_rng(seed)

    innovation_std = np.sqrt(1.0 - correlation**2)  # keeps Var(x_t) = 1 at every step
    sequence = np.empty(num_samples + 1)
    sequence[0] = rng.standard_normal()
    for t in range(1, num_samples + 1):
        sequence[t] = correlation * sequence[t - 1] + innovation_std * rng.standard_normal()
    x = sequence[:-1]
    z = sequence[1:]
    y = present_coef * x + future_coef * z + noise_std * rng.standard_normal(num_samples)
    return x, z, y


def _normal_equations(moments: SecondMoments, rho: float, weight_decay: float) -> tuple[np.ndarray, np.ndarray]:
    keep = 1.0 - rho
    A = np.array([
        [moments.S_xx + weight_decay, keep * moments.S_xz],
        [keep * moments.S_xz, keep * moments.S_zz + weight_decay],
    ])
    b = np.array([moments.S_xy, keep * moments.S_zy])
    return A, b


def masked_least_squares(moments: SecondMoments, rho: float, weight_decay: float = 0.0) -> tuple[float, float]:
    """Return (w_f*, w_b*) that minimise the mask-averaged squared loss plus weight decay.

    When the minimiser is not unique (rho = 1 without weight decay: z never reaches the model),
    w_b* is NaN, because every w_b gives the same loss; w_f* is then the least-squares weight of x alone.
    """
    rho = require_number("rho", rho, low=0.0, high=1.0)
    weight_decay = require_number("weight_decay", weight_decay, low=0.0)
    A, b = _normal_equations(moments, rho, weight_decay)
    scale = max(abs(A).max(), 1.0)
    if abs(np.linalg.det(A)) <= SINGULAR_TOLERANCE * scale**2:
        w_f = moments.S_xy / (moments.S_xx + weight_decay)
        return float(w_f), float("nan")
    w_f, w_b = np.linalg.solve(A, b)
    return float(w_f), float(w_b)


def closed_form_backward_weight(moments: SecondMoments, rho: float | np.ndarray) -> np.ndarray:
    """Evaluate w_b*(rho) = (S_xx S_zy − S_xz S_xy) / (S_xx S_zz − (1 − rho) S_xz²) for rho < 1.

    This is Cramer's rule on the normal equations after dividing the second one by (1 − rho), so it
    is valid only for rho < 1; entries with rho = 1 are NaN (the weight is not identified there).
    """
    rho = np.asarray(rho, dtype=np.float64)
    if np.any((rho < 0) | (rho > 1)):
        raise ValueError(f"rho 必须在 [0, 1] 内，收到 {rho}。")
    numerator = moments.S_xx * moments.S_zy - moments.S_xz * moments.S_xy
    denominator = moments.S_xx * moments.S_zz - (1.0 - rho) * moments.S_xz**2
    return np.where(rho < 1.0, numerator / np.where(rho < 1.0, denominator, 1.0), np.nan)


def profile_loss_over_backward_weight(moments: SecondMoments, rho: float, w_b: np.ndarray,
                                      weight_decay: float = 0.0) -> np.ndarray:
    """Return the mask-averaged loss (plus weight decay) at each w_b, with w_f set to its best value for that w_b."""
    rho = require_number("rho", rho, low=0.0, high=1.0)
    weight_decay = require_number("weight_decay", weight_decay, low=0.0)
    w_b = np.asarray(w_b, dtype=np.float64)
    keep = 1.0 - rho
    w_f = (moments.S_xy - keep * moments.S_xz * w_b) / (moments.S_xx + weight_decay)
    loss = (moments.S_yy - 2 * w_f * moments.S_xy - 2 * keep * w_b * moments.S_zy
            + w_f**2 * moments.S_xx + 2 * keep * w_f * w_b * moments.S_xz + keep * w_b**2 * moments.S_zz)
    return loss + weight_decay * (w_f**2 + w_b**2)


def train_masked_regression(x: np.ndarray, z: np.ndarray, y: np.ndarray, rho: float, weight_decay: float = 0.0,
                            initial_w_b: float = 0.5, num_steps: int = 300, learning_rate: float = 0.1,
                            seed: int = 0) -> np.ndarray:
    """Train (w_f, w_b) by full-batch gradient descent with a fresh mask each step; return w_b after every step.

    Weight decay is added to the loss as weight_decay·(w_f² + w_b²), matching ``masked_least_squares``.
    """
    rho = require_number("rho", rho, low=0.0, high=1.0)
    weight_decay = require_number("weight_decay", weight_decay, low=0.0)
    num_steps = require_int("num_steps", num_steps, low=1)
    learning_rate = require_number("learning_rate", learning_rate, low=0.0, low_open=True)
    generator = torch.Generator().manual_seed(seed)
    x_t, z_t, y_t = (torch.as_tensor(a, dtype=torch.float64) for a in (x, z, y))

    w_f = torch.zeros((), dtype=torch.float64, requires_grad=True)
    w_b = torch.tensor(float(initial_w_b), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w_f, w_b], lr=learning_rate)
    history = np.empty(num_steps)
    with single_torch_thread():
        for step in range(num_steps):
            m_t = (torch.rand(x_t.shape, generator=generator, dtype=torch.float64) >= rho).to(torch.float64)
            y_hat = w_f * x_t + w_b * m_t * z_t
            loss = ((y_t - y_hat) ** 2).mean() + weight_decay * (w_f**2 + w_b**2)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history[step] = w_b.item()
    return history


def input_dependence(rnn: torch.nn.RNNBase, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Return |∂ output_t / ∂ x_s| summed over features, for the forward and backward halves, as (T, T) arrays.

    rnn must be bidirectional with batch_first=False; x has shape (T, 1, D). Row t, column s of each
    array is the size of the gradient of that half of the output at step t with respect to x_s.
    """
    if not getattr(rnn, "bidirectional", False):
        raise ValueError("rnn 必须是 bidirectional=True 的循环层；请用 torch.nn.RNN(..., bidirectional=True)。")
    if x.dim() != 3 or x.shape[1] != 1:
        raise ValueError(f"x 的形状必须是 (T, 1, D)，收到 {tuple(x.shape)}。")
    T = x.shape[0]
    H = rnn.hidden_size
    x = x.detach().clone().requires_grad_(True)
    output, _ = rnn(x)  # (T, 1, 2H)
    forward_dependence = np.zeros((T, T))
    backward_dependence = np.zeros((T, T))
    for t in range(T):
        for half, target in ((slice(0, H), forward_dependence), (slice(H, 2 * H), backward_dependence)):
            (grad_x,) = torch.autograd.grad(output[t, 0, half].sum(), x, retain_graph=True)
            target[t] = grad_x[:, 0, :].abs().sum(dim=-1).numpy()
    return forward_dependence, backward_dependence
