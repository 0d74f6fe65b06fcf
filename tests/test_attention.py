"""Tests of rnn_course.attention against explicit dot products, brute-force entropies and constructed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnn_course.attention import (
    ALIGNMENT_PATTERNS,
    LOCAL_HALF_WIDTH,
    alignment_centers,
    alignment_scores,
    alignment_weights,
    attention_error_check,
    summarize_alignment,
)


def _entropy_nats(row: np.ndarray) -> float:
    return float(-sum(p * math.log(p) for p in row if p > 0))


@pytest.mark.parametrize("pattern", ALIGNMENT_PATTERNS)
@pytest.mark.parametrize(("T_x", "T_y"), [(1, 1), (1, 7), (9, 1), (12, 30), (40, 8)])
def test_weights_are_distributions(pattern, T_x, T_y):
    alpha = alignment_weights(T_x, T_y, 3.0, pattern)
    assert alpha.shape == (T_y, T_x)
    assert np.all(alpha >= 0)
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-12)


def test_monotonic_and_reversed_centers():
    centers = alignment_centers(10, 5, "monotonic")
    np.testing.assert_allclose(centers, [0.5, 2.5, 4.5, 6.5, 8.5])
    np.testing.assert_allclose(alignment_centers(10, 5, "reversed"), 9 - centers)


def test_random_centers_are_seeded_and_in_range():
    first = alignment_centers(20, 50, "random", seed=3)
    np.testing.assert_array_equal(first, alignment_centers(20, 50, "random", seed=3))
    assert not np.array_equal(first, alignment_centers(20, 50, "random", seed=4))
    assert first.min() >= 0
    assert first.max() <= 19


def test_scores_are_dot_products():
    T_x, T_y, sharpness = 7, 4, 1.7
    centers = torch.from_numpy(alignment_centers(T_x, T_y))
    positions = torch.arange(T_x, dtype=torch.float64)
    keys = torch.stack([positions, positions**2, torch.ones(T_x, dtype=torch.float64)], dim=1)   # (T_x, 3)
    queries = sharpness * torch.stack([2 * centers, -torch.ones(T_y, dtype=torch.float64), -centers**2], dim=1)
    expected = torch.softmax(queries @ keys.T, dim=-1).numpy()
    np.testing.assert_allclose(alignment_weights(T_x, T_y, sharpness), expected, rtol=1e-12, atol=1e-15)


def test_zero_sharpness_is_uniform():
    alpha = alignment_weights(8, 3, 0.0, "monotonic")
    np.testing.assert_allclose(alpha, np.full((3, 8), 1 / 8), rtol=1e-15)


def test_local_pattern_masks_outside_window():
    T_x, T_y = 30, 10
    alpha = alignment_weights(T_x, T_y, 0.0, "local")
    distance = np.abs(np.arange(T_x)[None, :] - alignment_centers(T_x, T_y, "local")[:, None])
    assert np.all(alpha[distance > LOCAL_HALF_WIDTH] == 0.0)
    assert torch.isinf(alignment_scores(T_x, T_y, 1.0, "local")).any()


def test_summary_matches_brute_force_entropy():
    alpha = alignment_weights(13, 9, 2.0, "random", seed=1)
    summary = summarize_alignment(alpha)
    expected = np.array([_entropy_nats(row) for row in alpha])
    np.testing.assert_allclose(summary.row_entropy, expected, rtol=1e-10, atol=1e-12)
    assert math.isclose(summary.mean_entropy, expected.mean(), rel_tol=1e-10)
    assert math.isclose(summary.uniform_entropy, math.log(13), rel_tol=1e-15)
    assert math.isclose(summary.reduction_factor, math.log(13) / expected.mean(), rel_tol=1e-10)


def test_summary_zero_log_zero_is_zero():
    one_hot = np.eye(4)
    summary = summarize_alignment(one_hot)
    assert np.all(summary.row_entropy == 0.0)
    assert summary.reduction_factor == math.inf
    assert "∞" in summary.factor_text


def test_summary_uniform_factor_is_one():
    summary = summarize_alignment(np.full((2, 5), 0.2))
    assert math.isclose(summary.reduction_factor, 1.0, rel_tol=1e-12)


def test_summary_single_position_is_undefined():
    summary = summarize_alignment(np.ones((6, 1)))
    assert summary.reduction_factor is None
    assert summary.uniform_entropy == 0.0
    assert "无定义" in summary.factor_text


@pytest.mark.parametrize("weights", [np.ones(4) / 4, np.full((2, 3), 0.5), np.array([[1.5, -0.5]])])
def test_summary_rejects_non_distributions(weights):
    with pytest.raises(ValueError, match="注意力矩阵"):
        summarize_alignment(weights)


def test_sharp_equal_length_alignment_reduces_entropy_tenfold():
    summary = summarize_alignment(alignment_weights(50, 50, 5.0))
    assert summary.reduction_factor > 10


def test_long_input_entropy_floor():
    # T_x/T_y even puts every center halfway between two positions, so each row entropy is ≥ log 2.
    summary = summarize_alignment(alignment_weights(100, 10, 10.0))
    assert np.all(summary.row_entropy >= math.log(2) - 1e-12)
    assert summary.reduction_factor <= math.log2(100) + 1e-9


@pytest.mark.parametrize("bad", [{"T_x": 0}, {"T_y": 0}, {"sharpness": -1.0}, {"pattern": "diagonal"}])
def test_weights_reject_bad_input(bad):
    arguments = {"T_x": 5, "T_y": 5, "sharpness": 1.0, "pattern": "monotonic"} | bad
    with pytest.raises(ValueError, match="参数"):
        alignment_weights(**arguments)


def test_error_bound_holds_on_random_instances():
    rng = np.random.default_rng(0)
    for instance in range(500):
        length, value_dim = int(rng.integers(2, 10)), int(rng.integers(1, 5))
        values = rng.normal(size=(length, value_dim)) * rng.uniform(0.1, 5)
        relevant = rng.random(length) < 0.5
        relevant[rng.integers(length)] = True
        beta = rng.dirichlet(np.ones(relevant.sum()))
        alpha = rng.dirichlet(np.full(length, 0.5))
        result = attention_error_check(alpha, values, relevant, beta)
        context = alpha @ values
        target = beta @ values[relevant]
        assert math.isclose(result.error, np.linalg.norm(context - target), rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(result.leak, alpha[~relevant].sum(), rel_tol=1e-12, abs_tol=1e-15)
        assert result.error <= result.bound + 1e-12, instance
        assert result.bound <= result.max_norm_bound + 1e-12, instance


def test_error_bound_is_tight():
    v = np.array([1.0, 2.0, 2.0])
    values = np.vstack([v, -v, -v])
    relevant = np.array([True, False, False])
    result = attention_error_check(np.array([0.8, 0.1, 0.1]), values, relevant, np.array([1.0]))
    assert math.isclose(result.error, 0.2 * 6.0, rel_tol=1e-12)
    assert math.isclose(result.error, result.bound, rel_tol=1e-12)
    assert math.isclose(result.error, result.max_norm_bound, rel_tol=1e-12)


def test_error_bound_without_leak_counts_mismatch_only():
    values = np.array([[0.0], [4.0], [100.0]])
    relevant = np.array([True, True, False])
    result = attention_error_check(np.array([1.0, 0.0, 0.0]), values, relevant, np.array([0.5, 0.5]))
    assert result.leak == 0.0
    assert math.isclose(result.error, 2.0)
    assert math.isclose(result.mismatch_term, 2.0)


@pytest.mark.parametrize(("alpha", "relevant", "beta", "message"), [
    (np.array([0.5, 0.5]), np.array([False, False]), np.array([]), "不能为空"),
    (np.array([0.5, 0.5]), np.array([True, False]), np.array([0.5, 0.5]), "beta 的形状"),
    (np.array([0.7, 0.7]), np.array([True, False]), np.array([1.0]), "alpha 必须是概率分布"),
    (np.array([0.5, 0.5, 0.0]), np.array([True, False]), np.array([1.0]), "形状不匹配"),
])
def test_error_check_rejects_bad_input(alpha, relevant, beta, message):
    with pytest.raises(ValueError, match=message):
        attention_error_check(alpha, np.ones((2, 3)), relevant, beta)
