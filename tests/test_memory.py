"""Tests of rnn_course.memory against independent oracles: finite differences, brute force, plain loops."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest
import torch

from rnn_course.memory import (
    COUNTER_INPUT_WEIGHT,
    COUNTER_RECURRENT_WEIGHT,
    bottleneck_requirement,
    counter_depth_states,
    counter_rnn_trace,
    every_step_gradient_limit,
    first_step_gradients,
    linear_rnn_gradients,
    linear_rnn_states,
    nested_parentheses,
    parenthesis_inputs,
    stack_trace,
    truncation_window,
)

REGIMES = [1.3, 1.05, 1.0, 0.9, 0.5, 0.0, -0.6, -1.0, -1.2]


def _loss_from_state(a: float, h_t: float, t: int, T: int, loss_kind: str) -> float:
    """Recompute L_final or the part of L_all that depends on h_t, starting the recurrence at step t."""
    states = [h_t * a ** (k - t) for k in range(t, T + 1)]
    if loss_kind == "final":
        return 0.5 * states[-1] ** 2
    return 0.5 * sum(state**2 for state in states)


def _finite_difference(a: float, h0: float, T: int, loss_kind: str, step: float = 1e-6) -> np.ndarray:
    gradients = []
    for t in range(1, T + 1):
        h_t = h0 * a**t
        plus = _loss_from_state(a, h_t + step, t, T, loss_kind)
        minus = _loss_from_state(a, h_t - step, t, T, loss_kind)
        gradients.append((plus - minus) / (2 * step))
    return np.array(gradients)


def test_states_match_loop():
    states = linear_rnn_states(0.7, 2.0, 5)
    expected = [2.0]
    for _ in range(5):
        expected.append(0.7 * expected[-1])
    np.testing.assert_allclose(states, expected, rtol=1e-15)


@pytest.mark.parametrize("a", REGIMES)
@pytest.mark.parametrize("T", [1, 2, 13])
def test_closed_form_matches_autograd(a, T):
    gradients = linear_rnn_gradients(a, 1.5, T)
    np.testing.assert_allclose(gradients.final_closed_form, gradients.final_autograd, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(gradients.all_closed_form, gradients.all_autograd, rtol=1e-12, atol=1e-300)
    assert gradients.final_closed_form.shape == (T,)
    assert gradients.all_closed_form.shape == (T,)


@pytest.mark.parametrize("a", [1.1, 0.8, 1.0, -0.7])
def test_closed_form_matches_finite_differences(a):
    T, h0 = 8, -0.9
    gradients = linear_rnn_gradients(a, h0, T)
    # Both losses are quadratic in h_t, so central differences are exact up to rounding.
    np.testing.assert_allclose(gradients.final_closed_form, _finite_difference(a, h0, T, "final"), rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(gradients.all_closed_form, _finite_difference(a, h0, T, "all"), rtol=1e-6,
                               atol=1e-8)


def test_autograd_is_a_total_derivative():
    # At a = 1 every h_k equals h0, so ∂L_all/∂h_t counts the T − t + 1 losses downstream of h_t.
    gradients = linear_rnn_gradients(1.0, 2.0, 5)
    np.testing.assert_array_equal(gradients.all_autograd, 2.0 * np.array([5, 4, 3, 2, 1]))
    np.testing.assert_array_equal(gradients.final_autograd, np.full(5, 2.0))


def test_zero_decay_gives_exact_zeros():
    gradients = linear_rnn_gradients(0.0, 1.0, 6)
    assert np.all(gradients.final_autograd == 0.0)
    assert np.all(gradients.all_closed_form == 0.0)


@pytest.mark.parametrize("a", [0.95, 0.3, -0.5, 1.2])
def test_first_step_gradients(a):
    h0, T = 1.7, 25
    final_first, all_first = first_step_gradients(a, h0, T)
    gradients = linear_rnn_gradients(a, h0, T)
    assert math.isclose(final_first, h0 * a ** (2 * T - 1), rel_tol=1e-12)
    assert math.isclose(final_first, gradients.final_autograd[0], rel_tol=1e-12)
    assert math.isclose(all_first, gradients.all_autograd[0], rel_tol=1e-12)
    geometric_sum = h0 * a * (1 - a ** (2 * T)) / (1 - a * a)
    assert math.isclose(all_first, geometric_sum, rel_tol=1e-10)


@pytest.mark.parametrize("a", [0.9, 0.5, -0.8, 0.0])
def test_every_step_limit_is_reached(a):
    limit = every_step_gradient_limit(a, 2.0)
    assert math.isclose(limit, 2.0 * a / (1 - a * a), rel_tol=1e-15)
    _, all_first = first_step_gradients(a, 2.0, 1000)
    assert math.isclose(all_first, limit, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("a", [1.0, -1.0, 1.5, -2.0])
def test_every_step_limit_missing_outside_unit_interval(a):
    assert every_step_gradient_limit(a, 1.0) is None
    assert every_step_gradient_limit(a, 0.0) is None


@pytest.mark.parametrize(("args", "error"), [
    ((0.9, 1.0, 0), ValueError),
    ((0.9, 1.0, 2.5), TypeError),
    ((float("nan"), 1.0, 5), ValueError),
    ((0.9, float("inf"), 5), ValueError),
    (("0.9", 1.0, 5), TypeError),
])
def test_linear_rnn_rejects_bad_input(args, error):
    with pytest.raises(error, match="参数"):
        linear_rnn_gradients(*args)


def test_parenthesis_inputs_rejects_other_characters():
    with pytest.raises(ValueError, match="第 3 个字符"):
        parenthesis_inputs("(( )")
    with pytest.raises(TypeError, match="str"):
        parenthesis_inputs(["(", ")"])
    np.testing.assert_array_equal(parenthesis_inputs("()"), [1.0, -1.0])


def test_counter_trace_matches_numpy_loop():
    text = "(()))((("
    h_t, expected = 0.0, []
    for symbol in text:
        x_t = 1.0 if symbol == "(" else -1.0
        h_t = math.tanh(COUNTER_INPUT_WEIGHT * x_t + COUNTER_RECURRENT_WEIGHT * h_t)
        expected.append(h_t)
    np.testing.assert_allclose(counter_rnn_trace(text), expected, rtol=1e-13, atol=1e-16)
    assert counter_rnn_trace("").shape == (0,)


def test_counter_cannot_tell_prefix_violation():
    unbalanced = counter_rnn_trace(")(")[-1]
    balanced = counter_rnn_trace("()")[-1]
    assert abs(unbalanced) < 1e-3
    assert math.isclose(unbalanced, -balanced, rel_tol=1e-12)


def test_counter_saturates_with_depth():
    states = counter_depth_states(60)
    gaps = np.diff(states)
    assert np.all(gaps > 0)
    assert np.all(np.diff(gaps[5:]) < 0)
    assert gaps[0] > 0.09
    assert gaps[50] < 1e-9
    fixed_point = states[-1]
    assert math.isclose(fixed_point, math.tanh(COUNTER_INPUT_WEIGHT + fixed_point), rel_tol=1e-12)


def test_counter_float32_states_become_identical():
    states = counter_depth_states(60, dtype=torch.float32)
    repeated = np.flatnonzero(np.diff(states) == 0.0)
    assert repeated.size > 0
    assert 20 < repeated[0] + 1 < 60


def _balanced_by_prefix_counts(text: str) -> bool:
    depth = 0
    for symbol in text:
        depth += 1 if symbol == "(" else -1
        if depth < 0:
            return False
    return depth == 0


def test_stack_trace_matches_definition_on_all_short_strings():
    for length in range(0, 11):
        for symbols in product("()", repeat=length):
            text = "".join(symbols)
            assert stack_trace(text).accepted == _balanced_by_prefix_counts(text), text


def test_stack_trace_reports_underflow_and_leftovers():
    underflow = stack_trace("())(")
    assert not underflow.accepted
    assert underflow.underflow_step == 3
    np.testing.assert_array_equal(underflow.depths, [1, 0])
    assert "下溢" in underflow.verdict
    leftover = stack_trace("(()")
    assert leftover.final_depth == 1
    assert "还剩 1" in leftover.verdict
    deep = stack_trace(nested_parentheses(500))
    assert deep.accepted
    assert deep.depths.max() == 500
    empty = stack_trace("")
    assert empty.accepted
    assert empty.depths.shape == (0,)


def _smallest_window(I0: float, decay: float, delta: float) -> int:
    K = 0
    while I0 * math.exp(-decay * K) > delta * (1 + 1e-9):
        K += 1
    return K


def test_truncation_window_halving_gives_twelve():
    for I0 in [0.1, 0.7, 1.0, 10.0]:
        window = truncation_window(I0, math.log(2), I0 * 2.0**-12)
        assert window.window == 12
    assert math.ceil((math.log(10.0) - math.log(10.0 * 2.0**-12)) / math.log(2)) == 13  # the float trap


def test_truncation_window_matches_brute_force():
    for I0, decay, delta in product([0.3, 1.0, 8.0], [0.05, 0.4, math.log(2), 2.5], [1e-6, 0.01, 0.5, 20.0]):
        window = truncation_window(I0, decay, delta)
        assert window.window == _smallest_window(I0, decay, delta), (I0, decay, delta)
        assert window.window >= 0


@pytest.mark.parametrize("args", [(0.0, 1.0, 0.1), (1.0, 0.0, 0.1), (1.0, 1.0, 0.0), (-1.0, 1.0, 0.1)])
def test_truncation_window_rejects_non_positive(args):
    with pytest.raises(ValueError, match="必须在"):
        truncation_window(*args)


def _smallest_hidden_size(T_y: int, vocab: int, ce: float, q: float) -> int:
    needed = T_y * (math.log2(vocab) - ce)
    d_h = 0
    while d_h * q < needed - 1e-9 * q:
        d_h += 1
    return d_h


def test_bottleneck_worked_example():
    requirement = bottleneck_requirement(20, 10_000, 2.0, 8)
    assert requirement.hidden_size == 29
    assert math.isclose(requirement.required_bits, 20 * (math.log2(10_000) - 2.0), rel_tol=1e-15)


def test_bottleneck_matches_brute_force():
    for T_y, vocab, ce, q in product([0, 1, 7, 50], [1, 2, 256, 50_000], [0.0, 1.0, 8.0, 30.0], [1, 4.5, 16]):
        expected = _smallest_hidden_size(T_y, vocab, ce, q)
        assert bottleneck_requirement(T_y, vocab, ce, q).hidden_size == expected, (T_y, vocab, ce, q)


def test_bottleneck_exact_multiple_is_not_rounded_up():
    # T_y·log2|V| = 4·8 = 32 bits exactly, so q = 8 needs exactly 4 dimensions.
    assert bottleneck_requirement(4, 256, 0.0, 8).hidden_size == 4


@pytest.mark.parametrize(("args", "error"), [
    ((-1, 100, 1.0, 8), ValueError),
    ((10, 0, 1.0, 8), ValueError),
    ((10, 100, 1.0, 0), ValueError),
    ((10, 100, -1.0, 8), ValueError),
    ((10.5, 100, 1.0, 8), TypeError),
])
def test_bottleneck_rejects_bad_input(args, error):
    with pytest.raises(error, match="参数"):
        bottleneck_requirement(*args)
