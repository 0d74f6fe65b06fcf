"""Memory of recurrent networks: gradient flow in a linear RNN, counting with tanh versus a stack,
truncation windows from mutual-information decay, and the seq2seq information bottleneck.

Every function returns whole arrays or small records shaped for a chapter plot or a widget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rnn_course.validation import require_int, require_number

# Ceil tolerance for ratios that are integers in exact arithmetic: (ln I0 − ln δ)/λ with I0 = 10,
# δ = 2^-12·I0 and λ = ln 2 evaluates to 12.000000000000002 in float64, so a plain ceil returns 13.
# Such rounding errors are a few ulp (~1e-15 relative), far below 1e-9, and an excess of 1e-9 steps
# changes I(K) by a relative λ·1e-9 at most.
CEIL_TOLERANCE = 1e-9

# Weights of the tanh counter. A small input weight keeps tanh near its linear range for shallow
# nesting, so the state counts there. The recurrent weight 1 carries the count from step to step.
COUNTER_INPUT_WEIGHT = 0.1
COUNTER_RECURRENT_WEIGHT = 1.0
# |h_T| below this counts as "back at zero" for the counter's balanced/unbalanced verdict.
COUNTER_ZERO_TOLERANCE = 0.01

PARENTHESIS_INPUT = {"(": 1.0, ")": -1.0}


# ---------------------------------------------------------------------------------------------
# Linear RNN h_t = a·h_{t-1}, o_t = h_t
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinearRnnGradients:
    """Gradients ∂L/∂h_t, t = 1..T, of L_final = ½h_T² and L_all = ½Σ_k h_k² (arrays of shape (T,))."""

    states: np.ndarray          # h_0 … h_T, shape (T + 1,)
    final_closed_form: np.ndarray
    all_closed_form: np.ndarray
    final_autograd: np.ndarray
    all_autograd: np.ndarray


def _check_linear_rnn(a: float, h0: float, T: int) -> tuple[float, float, int]:
    a = require_number("a", a)
    h0 = require_number("h0", h0)
    T = require_int("T", T, low=1)
    return a, h0, T


def linear_rnn_states(a: float, h0: float, T: int) -> np.ndarray:
    """Return h_0 … h_T of h_t = a·h_{t-1} as float64, shape (T + 1,)."""
    a, h0, T = _check_linear_rnn(a, h0, T)
    return h0 * np.power(a, np.arange(T + 1, dtype=np.float64))


def _closed_form_gradients(a: float, h0: float, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate ∂L_final/∂h_t = h_T·a^{T−t} and ∂L_all/∂h_t = Σ_{k=t..T} h_k·a^{k−t} term by term."""
    states = linear_rnn_states(a, h0, T)
    steps = np.arange(1, T + 1)
    final = states[T] * np.power(a, T - steps)
    # lag[t−1, k−1] = k − t for k ≥ t; the mask drops k < t, whose a^{k−t} would be a negative power.
    lag = steps[None, :] - steps[:, None]
    powers = np.where(lag >= 0, np.power(a, np.maximum(lag, 0)), 0.0)
    every_step = powers @ states[1:]
    return final, every_step


def _autograd_gradients(a: float, h0: float, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Differentiate both losses with torch autograd, keeping each h_t as a graph node (retain_grad)."""
    results = []
    for loss_kind in ("final", "all"):
        a_tensor = torch.tensor(a, dtype=torch.float64)
        h_t = torch.tensor(h0, dtype=torch.float64, requires_grad=True)
        states = []
        for _ in range(T):
            h_t = a_tensor * h_t
            h_t.retain_grad()
            states.append(h_t)
        if loss_kind == "final":
            loss = 0.5 * states[-1] ** 2
        else:
            loss = 0.5 * torch.stack(states).pow(2).sum()
        loss.backward()
        results.append(np.array([state.grad.item() for state in states]))
    return results[0], results[1]


def linear_rnn_gradients(a: float, h0: float, T: int) -> LinearRnnGradients:
    """Compute ∂L/∂h_t for both losses twice: from the closed forms and with torch autograd."""
    a, h0, T = _check_linear_rnn(a, h0, T)
    final, every_step = _closed_form_gradients(a, h0, T)
    final_autograd, all_autograd = _autograd_gradients(a, h0, T)
    return LinearRnnGradients(linear_rnn_states(a, h0, T), final, every_step, final_autograd, all_autograd)


def first_step_gradients(a: float, h0: float, T: int) -> tuple[float, float]:
    """Return (∂L_final/∂h_1, ∂L_all/∂h_1) = (h0·a^{2T−1}, h0·Σ_{k=1..T} a^{2k−1}) from the sums."""
    a, h0, T = _check_linear_rnn(a, h0, T)
    odd_powers = np.power(a, 2 * np.arange(1, T + 1) - 1)
    return float(h0 * a ** (2 * T - 1)), float(h0 * odd_powers.sum())


def every_step_gradient_limit(a: float, h0: float) -> float | None:
    """Return lim_{T→∞} ∂L_all/∂h_1 = h0·a/(1−a²) for |a| < 1, or None where the series diverges (|a| ≥ 1).

    At |a| ≥ 1 with h0 = 0 every term is 0, but the formula still does not apply, so None is returned.
    """
    a = require_number("a", a)
    h0 = require_number("h0", h0)
    if abs(a) >= 1:
        return None
    return h0 * a / (1 - a * a)


# ---------------------------------------------------------------------------------------------
# Parentheses: a tanh counter versus an explicit stack
# ---------------------------------------------------------------------------------------------

def parenthesis_inputs(text: str) -> np.ndarray:
    """Encode "(" as +1 and ")" as −1; raise ValueError naming the first other character."""
    if not isinstance(text, str):
        raise TypeError(f"括号串必须是 str，收到 {type(text).__name__}。")
    for position, character in enumerate(text):
        if character not in PARENTHESIS_INPUT:
            raise ValueError(
                f"括号串只能包含 '(' 和 ')'，第 {position + 1} 个字符是 {character!r}；请删去其他字符（包括空格）。"
            )
    return np.array([PARENTHESIS_INPUT[character] for character in text], dtype=np.float64)


def nested_parentheses(depth: int) -> str:
    """Return "(" * depth + ")" * depth."""
    depth = require_int("嵌套深度", depth, low=0)
    return "(" * depth + ")" * depth


def counter_rnn_trace(text: str, input_weight: float = COUNTER_INPUT_WEIGHT,
                      recurrent_weight: float = COUNTER_RECURRENT_WEIGHT, dtype: torch.dtype = torch.float64
                      ) -> np.ndarray:
    """Run h_t = tanh(w_x·x_t + w_h·h_{t−1}), h_0 = 0, over the string; return h_1 … h_T, shape (T,).

    dtype sets the precision of the recurrence (float32 shows states that become bit-identical).
    """
    x = torch.as_tensor(parenthesis_inputs(text), dtype=dtype)
    w_x = torch.tensor(require_number("w_x", input_weight), dtype=dtype)
    w_h = torch.tensor(require_number("w_h", recurrent_weight), dtype=dtype)
    h_t = torch.zeros((), dtype=dtype)
    states = []
    for x_t in x:
        h_t = torch.tanh(w_x * x_t + w_h * h_t)
        states.append(h_t)
    if not states:
        return np.zeros(0, dtype=np.float64)
    return torch.stack(states).double().numpy()


def counter_depth_states(max_depth: int, input_weight: float = COUNTER_INPUT_WEIGHT,
                         recurrent_weight: float = COUNTER_RECURRENT_WEIGHT, dtype: torch.dtype = torch.float64
                         ) -> np.ndarray:
    """Return the counter state after reading n opening brackets, n = 0 … max_depth, shape (max_depth + 1,)."""
    max_depth = require_int("最大嵌套深度", max_depth, low=0)
    opened = counter_rnn_trace("(" * max_depth, input_weight, recurrent_weight, dtype)
    return np.concatenate([[0.0], opened])


@dataclass(frozen=True)
class StackTrace:
    """Per-step run of a pushdown recognizer: push on "(", pop on ")"."""

    depths: np.ndarray          # stack depth after each step that was executed, shape (steps,)
    accepted: bool
    underflow_step: int | None  # 1-based position of the ")" that found the stack empty
    final_depth: int

    @property
    def verdict(self) -> str:
        """Chinese one-line reason for the decision."""
        if self.underflow_step is not None:
            return f"拒绝：第 {self.underflow_step} 步遇到 ')' 时栈为空（下溢）"
        if self.final_depth > 0:
            return f"拒绝：读完后栈里还剩 {self.final_depth} 个 '('"
        return "接受：没有下溢，结束时栈为空"


def stack_trace(text: str) -> StackTrace:
    """Run a stack recognizer over the string and stop at the first underflow.

    The stack stores the "(" symbols themselves; its depth is the number of unmatched "(" so far.
    """
    parenthesis_inputs(text)  # validates the characters
    stack: list[str] = []
    depths = []
    for position, character in enumerate(text, start=1):
        if character == "(":
            stack.append(character)
        elif not stack:
            return StackTrace(np.array(depths, dtype=np.int64), False, position, 0)
        else:
            stack.pop()
        depths.append(len(stack))
    return StackTrace(np.array(depths, dtype=np.int64), not stack, None, len(stack))


# ---------------------------------------------------------------------------------------------
# Truncated BPTT: window length from mutual-information decay
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TruncationWindow:
    """Window K for I(d) = I0·exp(−λd) and threshold δ: the smallest K ≥ 0 with I(K) ≤ δ."""

    raw_ratio: float            # ln(I0/δ)/λ before rounding
    window: int
    information_at_window: float


def truncation_window(initial_information: float, decay_rate: float, threshold: float) -> TruncationWindow:
    """Choose K = ⌈ln(I0/δ)/λ − CEIL_TOLERANCE⌉, at least 0, for I0 > 0, λ > 0, δ > 0."""
    I0 = require_number("I0", initial_information, low=0, low_open=True)
    decay = require_number("λ", decay_rate, low=0, low_open=True)
    delta = require_number("δ", threshold, low=0, low_open=True)
    raw_ratio = math.log(I0 / delta) / decay
    window = max(0, math.ceil(raw_ratio - CEIL_TOLERANCE))
    return TruncationWindow(raw_ratio, window, I0 * math.exp(-decay * window))


# ---------------------------------------------------------------------------------------------
# Seq2seq information bottleneck: d_h·q ≥ T_y·(log2|V| − H_CE)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BottleneckRequirement:
    """Bits the context vector must carry and the smallest hidden size that can hold them."""

    bits_per_token: float       # log2|V| − H_CE, may be negative
    required_bits: float        # T_y·(log2|V| − H_CE)
    hidden_size: int            # smallest d_h ≥ 0 with d_h·q ≥ required_bits


def bottleneck_requirement(output_length: int, vocab_size: int, ce_bits: float, bits_per_dim: float
                           ) -> BottleneckRequirement:
    """Estimate the hidden size a fixed context vector needs (0 when T_y·(log2|V| − H_CE) ≤ 0).

    The information term T_y·(log2|V| − H_CE) assumes every output token has the uniform marginal
    entropy log2|V|, so it is an upper-bound style estimate of I(c; y), not an identity.
    """
    T_y = require_int("T_y", output_length, low=0)
    vocab = require_int("|V|", vocab_size, low=1)
    H_CE = require_number("H_CE", ce_bits, low=0)
    q = require_number("q", bits_per_dim, low=0, low_open=True)
    bits_per_token = math.log2(vocab) - H_CE
    required_bits = T_y * bits_per_token
    hidden_size = max(0, math.ceil(required_bits / q - CEIL_TOLERANCE)) if required_bits > 0 else 0
    return BottleneckRequirement(bits_per_token, required_bits, hidden_size)
