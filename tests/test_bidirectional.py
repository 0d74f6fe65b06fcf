"""Tests of rnn_course.bidirectional against independent oracles: weighted least squares, autograd, brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnn_course.bidirectional import (
    SecondMoments,
    closed_form_backward_weight,
    input_dependence,
    make_future_regression_data,
    masked_least_squares,
    profile_loss_over_backward_weight,
    train_masked_regression,
)


def _data(future_coef: float = 0.8, correlation: float = 0.6, num_samples: int = 500):
    return make_future_regression_data(num_samples, future_coef, correlation=correlation, seed=3)


def _weighted_lstsq(x, z, y, rho, weight_decay=0.0):
    """Solve the mask-averaged problem as ordinary least squares on duplicated, weighted rows plus ridge rows."""
    n = len(x)
    keep, drop = math.sqrt((1 - rho) / n), math.sqrt(rho / n)
    features = [np.stack([x, z], 1) * keep, np.stack([x, 0 * z], 1) * drop]
    targets = [y * keep, y * drop]
    if weight_decay > 0:
        features.append(math.sqrt(weight_decay) * np.eye(2))
        targets.append(np.zeros(2))
    solution = np.linalg.lstsq(np.concatenate(features), np.concatenate(targets), rcond=None)[0]
    return solution


def _mask_averaged_loss(x, z, y, rho, w_f, w_b):
    """Average the squared loss over both mask values explicitly (brute force over m in {0, 1})."""
    kept = np.mean((y - w_f * x - w_b * z) ** 2)
    masked = np.mean((y - w_f * x) ** 2)
    return (1 - rho) * kept + rho * masked


def test_data_shapes_and_future_alignment():
    x, z, y = _data()
    assert x.shape == z.shape == y.shape == (500,)
    np.testing.assert_array_equal(x[1:], z[:-1])  # z_t = x_{t+1}


def test_data_is_seeded():
    first = _data()
    second = _data()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.7, 0.95])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_masked_least_squares_matches_weighted_lstsq(rho, weight_decay):
    x, z, y = _data()
    moments = SecondMoments.from_data(x, z, y)
    expected = _weighted_lstsq(x, z, y, rho, weight_decay)
    np.testing.assert_allclose(masked_least_squares(moments, rho, weight_decay), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_closed_form_matches_solver(rho):
    moments = SecondMoments.from_data(*_data())
    assert closed_form_backward_weight(moments, rho) == pytest.approx(masked_least_squares(moments, rho)[1], rel=1e-12)


def test_closed_form_population_formula():
    # With many samples, w_b*(rho) approaches c(1 − r²)/(1 − (1 − rho) r²) with r the AR(1) coefficient.
    c, r = 0.8, 0.6
    x, z, y = make_future_regression_data(200_000, c, correlation=r, seed=1)
    moments = SecondMoments.from_data(x, z, y)
    for rho in [0.0, 0.5, 0.99]:
        expected = c * (1 - r**2) / (1 - (1 - rho) * r**2)
        assert closed_form_backward_weight(moments, rho) == pytest.approx(expected, abs=0.01)


def test_backward_weight_zero_for_causal_target():
    moments = SecondMoments.from_data(*make_future_regression_data(200_000, 0.0, seed=2))
    for rho in [0.0, 0.5, 0.9]:
        assert abs(masked_least_squares(moments, rho)[1]) < 0.002


def test_rho_one_not_identified():
    x, z, y = _data()
    moments = SecondMoments.from_data(x, z, y)
    w_f, w_b = masked_least_squares(moments, 1.0)
    assert math.isnan(w_b)
    assert w_f == pytest.approx(moments.S_xy / moments.S_xx, rel=1e-12)
    assert math.isnan(float(closed_form_backward_weight(moments, 1.0)))


def test_rho_one_weight_decay_gives_zero():
    moments = SecondMoments.from_data(*_data())
    assert masked_least_squares(moments, 1.0, weight_decay=0.1)[1] == 0.0


@pytest.mark.parametrize("rho", [0.0, 0.4, 1.0])
def test_profile_loss_matches_brute_force(rho):
    x, z, y = _data()
    moments = SecondMoments.from_data(x, z, y)
    w_b = np.linspace(-1, 2, 7)
    keep = 1 - rho
    w_f = (moments.S_xy - keep * moments.S_xz * w_b) / moments.S_xx
    expected = [_mask_averaged_loss(x, z, y, rho, f, b) for f, b in zip(w_f, w_b, strict=True)]
    np.testing.assert_allclose(profile_loss_over_backward_weight(moments, rho, w_b), expected, rtol=1e-10)


def test_profile_loss_flat_at_rho_one():
    moments = SecondMoments.from_data(*_data())
    loss = profile_loss_over_backward_weight(moments, 1.0, np.linspace(-5, 5, 11))
    assert np.ptp(loss) < 1e-12


def test_profile_loss_minimum_at_solution():
    moments = SecondMoments.from_data(*_data())
    w_b_star = masked_least_squares(moments, 0.5, 0.05)[1]
    grid = w_b_star + np.array([-1e-3, 0.0, 1e-3])
    loss = profile_loss_over_backward_weight(moments, 0.5, grid, 0.05)
    assert loss[1] < loss[0]
    assert loss[1] < loss[2]


def test_training_keeps_initial_weight_at_rho_one():
    x, z, y = _data()
    history = train_masked_regression(x, z, y, rho=1.0, initial_w_b=0.37, num_steps=50)
    assert np.all(history == 0.37)


def test_training_with_weight_decay_decays_geometrically():
    x, z, y = _data()
    history = train_masked_regression(x, z, y, rho=1.0, weight_decay=0.2, initial_w_b=0.5, num_steps=40,
                                      learning_rate=0.1)
    expected = 0.5 * (1 - 2 * 0.1 * 0.2) ** np.arange(1, 41)
    np.testing.assert_allclose(history, expected, rtol=1e-12)


def test_training_approaches_closed_form():
    x, z, y = _data()
    moments = SecondMoments.from_data(x, z, y)
    history = train_masked_regression(x, z, y, rho=0.0, num_steps=400, learning_rate=0.3)
    assert history[-1] == pytest.approx(masked_least_squares(moments, 0.0)[1], abs=1e-3)


def test_input_dependence_triangular():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 4, bidirectional=True)
    x = torch.randn(5, 1, 3)
    forward, backward = input_dependence(rnn, x)
    upper = np.triu(np.ones((5, 5), dtype=bool), 1)
    assert np.all(forward[upper] == 0)
    assert np.all(forward[~upper] > 0)
    lower = np.tril(np.ones((5, 5), dtype=bool), -1)
    assert np.all(backward[lower] == 0)
    assert np.all(backward[~lower] > 0)


def test_input_dependence_matches_jacobian():
    torch.manual_seed(1)
    rnn = torch.nn.RNN(2, 3, bidirectional=True)
    x = torch.randn(4, 1, 2)
    forward, backward = input_dependence(rnn, x)
    jacobian = torch.autograd.functional.jacobian(lambda inputs: rnn(inputs)[0], x)  # (T, 1, 2H, T, 1, D)
    expected_forward = jacobian[:, 0, :3, :, 0, :].sum(dim=1).abs().sum(dim=-1).numpy()
    expected_backward = jacobian[:, 0, 3:, :, 0, :].sum(dim=1).abs().sum(dim=-1).numpy()
    np.testing.assert_allclose(forward, expected_forward, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(backward, expected_backward, rtol=1e-5, atol=1e-7)


def test_invalid_inputs_raise_chinese_errors():
    moments = SecondMoments.from_data(*_data())
    with pytest.raises(ValueError, match="rho"):
        masked_least_squares(moments, 1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        masked_least_squares(moments, 0.5, -0.1)
    with pytest.raises(ValueError, match="必须"):
        SecondMoments.from_data(np.ones(3), np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="correlation"):
        make_future_regression_data(10, 0.5, correlation=1.0)
    with pytest.raises(ValueError, match="bidirectional"):
        input_dependence(torch.nn.RNN(2, 3), torch.zeros(3, 1, 2))
