"""Tests of rnn_course.generation against brute-force recursion, enumeration and torch autograd."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from rnn_course.generation import (
    BOS_TOKEN,
    EOS_TOKEN,
    VOCAB_SIZE,
    beam_search_trace,
    bigram_from_logits,
    direct_errors,
    error_bound_curves,
    exhaustive_scores,
    finished_sequences,
    fit_inverse_temperature,
    fit_logistic_rate,
    fit_rotation_angle,
    greedy_decode,
    linear_rollout_errors,
    logistic_map,
    rollout_errors,
    rotation_map,
    sample_sequences,
    sequence_entropy,
    tokens_to_text,
    toy_logits,
)

# ------------------------------------------------------------------ bounds and rollout


@pytest.mark.parametrize("L", [0.0, 0.5, 1.0, 1.3])
@pytest.mark.parametrize("a0", [0.0, 0.02])
def test_iterative_bound_matches_recursion(L, a0):
    mu, horizon = 0.003, 25
    iterative, direct = error_bound_curves(L, mu, a0, horizon)
    recursion = [a0]
    for _ in range(horizon):
        recursion.append(L * recursion[-1] + mu)
    np.testing.assert_allclose(iterative, recursion, rtol=1e-12, atol=1e-15)
    expected_direct = [a0] + [a0 * L**k + mu for k in range(1, horizon + 1)]
    np.testing.assert_allclose(direct, expected_direct, rtol=1e-12, atol=1e-15)


def test_bound_is_exact_at_lipschitz_one():
    iterative, _ = error_bound_curves(1.0, 0.1, 0.3, 7)
    assert iterative[7] == 0.3 + 7 * 0.1


def test_bound_direct_uses_mu_direct():
    _, direct = error_bound_curves(1.2, 0.01, 0.0, 3, mu_direct=0.5)
    np.testing.assert_allclose(direct, [0.0, 0.5, 0.5, 0.5])


def test_bound_rejects_negative_values():
    for kwargs in [dict(L=-1.0, mu=0.1, a0=0.0, horizon=3), dict(L=1.0, mu=-0.1, a0=0.0, horizon=3),
                   dict(L=1.0, mu=0.1, a0=-1.0, horizon=3), dict(L=1.0, mu=0.1, a0=0.0, horizon=-1)]:
        with pytest.raises(ValueError, match="必须"):
            error_bound_curves(**kwargs)


def test_linear_rollout_within_bounds():
    for L in [0.7, 1.0, 1.2]:
        errors = linear_rollout_errors(L, 0.01, 30, seed=4)
        bound, direct_bound = error_bound_curves(L, 0.01, 0.0, 30)
        np.testing.assert_allclose(errors["bias"], bound, rtol=1e-12, atol=1e-15)
        assert np.all(errors["noise"] <= bound + 1e-15)
        assert np.all(errors["direct"] <= direct_bound + 1e-15)


def test_rollout_errors_stay_below_bound_on_logistic_map():
    r, r_hat = 3.9, 3.9015
    mu = abs(r_hat - r) / 4
    for x0 in np.linspace(0.05, 0.95, 7):
        errors = rollout_errors(lambda x: logistic_map(x, r), lambda x: logistic_map(x, r_hat), x0, 30)
        assert np.all(errors <= error_bound_curves(r, mu, 0.0, 30)[0] + 1e-12)


def test_rollout_errors_on_rotation_match_chord_length():
    theta, theta_hat = 0.1, 0.1005
    errors = rollout_errors(lambda s: rotation_map(s, theta), lambda s: rotation_map(s, theta_hat),
                            np.array([1.0, 0.0]), 50, state_ndim=1)
    expected = 2 * np.abs(np.sin(np.arange(51) * (theta_hat - theta) / 2))
    np.testing.assert_allclose(errors, expected, atol=1e-12)


def test_rollout_errors_batch_matches_single_starts():
    starts = np.array([[1.0, 0.0], [0.0, 2.0], [0.6, 0.8]])
    batch = rollout_errors(lambda s: rotation_map(s, 0.2), lambda s: 1.01 * rotation_map(s, 0.2), starts, 10,
                           state_ndim=1)
    assert batch.shape == (11, 3)
    for column, start in enumerate(starts):
        single = rollout_errors(lambda s: rotation_map(s, 0.2), lambda s: 1.01 * rotation_map(s, 0.2), start, 10,
                                state_ndim=1)
        np.testing.assert_allclose(batch[:, column], single, rtol=1e-12)
    scalar_batch = rollout_errors(lambda x: logistic_map(x, 3.7), lambda x: logistic_map(x, 3.71),
                                  np.array([0.2, 0.5]), 5)
    assert scalar_batch.shape == (6, 2)
    np.testing.assert_allclose(scalar_batch[:, 1], rollout_errors(lambda x: logistic_map(x, 3.7),
                                                                  lambda x: logistic_map(x, 3.71), 0.5, 5))


def test_rollout_errors_include_initial_error():
    errors = rollout_errors(lambda x: 2 * x, lambda x: 2 * x, 1.0, 3, x0_error=0.1)
    np.testing.assert_allclose(errors, [0.1, 0.2, 0.4, 0.8], rtol=1e-12)


def test_direct_errors_follow_definition():
    per_horizon = np.array([0.01, -0.02, 0.03])
    errors = direct_errors(lambda x: 2 * x, 1.0, 3, per_horizon, x0_error=0.1)
    np.testing.assert_allclose(errors, [0.1, abs(0.2 + 0.01), abs(0.4 - 0.02), abs(0.8 + 0.03)], rtol=1e-12)
    with pytest.raises(ValueError, match="horizon"):
        direct_errors(lambda x: x, 1.0, 3, per_horizon[:2])


def test_fit_logistic_rate_exact_without_noise():
    x = np.linspace(0.01, 0.99, 50)
    assert fit_logistic_rate(x, logistic_map(x, 3.3)) == pytest.approx(3.3, rel=1e-12)


def test_fit_rotation_angle_least_squares():
    rng = np.random.default_rng(0)
    states = rng.standard_normal((40, 2))
    assert fit_rotation_angle(states, rotation_map(states, -0.7)) == pytest.approx(-0.7, abs=1e-12)
    noisy = rotation_map(states, 0.3) + 0.05 * rng.standard_normal((40, 2))
    theta_hat = fit_rotation_angle(states, noisy)
    grid = theta_hat + np.linspace(-0.01, 0.01, 21)
    residuals = [np.sum((rotation_map(states, theta) - noisy) ** 2) for theta in grid]
    assert int(np.argmin(residuals)) == 10


def test_rotation_map_is_isometry():
    states = np.random.default_rng(1).standard_normal((10, 2))
    rotated = rotation_map(states, 1.234)
    np.testing.assert_allclose(np.linalg.norm(rotated, axis=1), np.linalg.norm(states, axis=1), rtol=1e-12)


# ------------------------------------------------------------------ toy model and search


def _model(seed: int = 5):
    return bigram_from_logits(toy_logits(seed, 2.0))


def test_finished_sequences_count_and_uniqueness():
    sequences = finished_sequences(3)
    assert len(sequences) == 4 + 4**2 + 4**3
    assert len(set(sequences)) == len(sequences)
    assert all(s[0] == BOS_TOKEN and EOS_TOKEN not in s[1:-1] for s in sequences)


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_exhaustive_probabilities_sum_to_one(seed):
    _, scores = exhaustive_scores(_model(seed))
    assert np.exp(scores).sum() == pytest.approx(1.0, abs=1e-12)


def test_start_row_forbids_empty_output():
    model = _model()
    assert np.exp(model.log_probs[BOS_TOKEN, EOS_TOKEN]) == 0.0
    assert np.exp(model.log_probs).sum(axis=1) == pytest.approx(np.ones(VOCAB_SIZE + 1))


def _brute_force_beam(model, beam_size, max_len=5):
    """Independent beam search over explicit (prefix, score) lists, ignoring zero-probability tokens."""
    beams, finished = [((BOS_TOKEN,), 0.0)], []
    for _ in range(max_len):
        expanded = [(p + (v,), s + model.log_probs[p[-1], v]) for p, s in beams for v in range(VOCAB_SIZE)
                    if np.isfinite(model.log_probs[p[-1], v])]
        expanded.sort(key=lambda c: -c[1])
        kept = expanded[:beam_size]
        finished += [c for c in kept if c[0][-1] == EOS_TOKEN]
        beams = [c for c in kept if c[0][-1] != EOS_TOKEN]
        if not beams:
            break
    return max(finished + beams, key=lambda c: c[1])


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("beam_size", [1, 2, 4])
def test_beam_trace_matches_independent_beam(seed, beam_size):
    model = _model(seed)
    tokens, score, _ = beam_search_trace(model, beam_size)
    expected_tokens, expected_score = _brute_force_beam(model, beam_size)
    assert score == pytest.approx(expected_score, abs=1e-12)
    assert model.sequence_log_prob(tokens) == pytest.approx(score, abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_large_beam_equals_exhaustive(seed):
    model = _model(seed)
    _, scores = exhaustive_scores(model)
    assert beam_search_trace(model, 4**5)[1] == pytest.approx(scores.max(), abs=1e-12)


def test_greedy_misses_optimum_beam_finds():
    model = _model(5)
    greedy_tokens, greedy_score = greedy_decode(model)
    beam_tokens, beam_score, _ = beam_search_trace(model, 1)
    assert greedy_tokens == beam_tokens
    _, scores = exhaustive_scores(model)
    assert greedy_score < scores.max() - 1e-6
    assert beam_search_trace(model, 2)[1] == pytest.approx(scores.max(), abs=1e-12)


def test_beam_trace_records_kept_candidates():
    _, _, steps = beam_search_trace(_model(5), 3)
    assert sum(steps[0].kept) == 3
    assert len(steps[0].candidates) == VOCAB_SIZE - 1  # <eos> has probability 0 at the first step
    for step in steps:
        kept_scores = [c[1] for c, k in zip(step.candidates, step.kept, strict=True) if k]
        dropped_scores = [c[1] for c, k in zip(step.candidates, step.kept, strict=True) if not k]
        if dropped_scores:
            assert min(kept_scores) >= max(dropped_scores)


def test_tokens_to_text():
    assert tokens_to_text((BOS_TOKEN, 1, 2, EOS_TOKEN)) == "甲乙<eos>"


# ------------------------------------------------------------------ entropy matching and diversity


def test_sequence_entropy_matches_enumeration_of_chain_rule():
    model = _model(2)
    sequences, scores = exhaustive_scores(model)
    probabilities = np.exp(scores)
    assert sequence_entropy(model) == pytest.approx(-(probabilities * np.log(probabilities)).sum(), rel=1e-12)


def test_sequence_entropy_of_uniform_words():
    # All words equally likely and <eos> impossible: every 5-word sequence has probability 4^-5.
    logits = np.zeros((VOCAB_SIZE + 1, VOCAB_SIZE))
    logits[:, EOS_TOKEN] = -1e9
    assert sequence_entropy(bigram_from_logits(logits)) == pytest.approx(5 * math.log(4), rel=1e-9)


def _loss_by_torch(data_logits, model_logits, beta, alpha):
    q = torch.softmax(torch.tensor(data_logits), -1)
    p_hat = torch.softmax(beta * torch.tensor(model_logits), -1)
    ce = -(q * torch.log(p_hat)).sum()
    H = lambda p: -(p * torch.log(p)).sum(-1)  # noqa: E731 (all entries are positive here)
    return float(ce + alpha * ((H(p_hat) - H(q)) ** 2).sum())


@pytest.mark.parametrize("alpha", [0.0, 1.0, 4.0])
def test_fit_inverse_temperature_is_grid_argmin(alpha):
    data = toy_logits(0, 2.0)
    model = data + np.random.default_rng(1).standard_normal(data.shape)
    betas = np.linspace(0.1, 2.0, 39)
    beta, ce, gap = fit_inverse_temperature(data, model, alpha, betas)
    losses = [_loss_by_torch(data, model, b, alpha) for b in betas]
    np.testing.assert_allclose(ce + alpha * gap, losses, rtol=1e-10)
    assert beta == betas[int(np.argmin(losses))]


def test_entropy_term_moves_fit_towards_target_entropy():
    data = toy_logits(0, 2.0)
    model = data + np.random.default_rng(1).standard_normal(data.shape)
    previous_gap = math.inf
    for alpha in [0.0, 1.0, 10.0]:
        beta, ce, gap = fit_inverse_temperature(data, model, alpha)
        index = int(np.argmin(ce + alpha * gap))
        assert gap[index] <= previous_gap + 1e-12
        previous_gap = gap[index]


def test_exact_temperature_gives_zero_gap():
    data = toy_logits(3, 1.5)
    betas = np.array([0.5, 1.0, 2.0])
    beta, ce, gap = fit_inverse_temperature(data, data, 2.0, betas)
    assert beta == 1.0
    assert gap[1] == pytest.approx(0.0, abs=1e-20)


def test_samples_are_seeded_and_finished():
    model = _model(5)
    first = sample_sequences(model, 30, seed=7)
    assert first == sample_sequences(model, 30, seed=7)
    finished = set(finished_sequences())
    assert all(s in finished for s in first)


def test_sample_frequencies_match_probabilities():
    model = _model(5)
    samples = sample_sequences(model, 4000, seed=0)
    sequences, scores = exhaustive_scores(model)
    best = sequences[int(np.argmax(scores))]
    frequency = sum(s == best for s in samples) / len(samples)
    assert frequency == pytest.approx(math.exp(scores.max()), abs=0.03)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="beam_size"):
            beam_search_trace(_model(), 0)
    with pytest.raises(ValueError, match="alpha"):
        fit_inverse_temperature(toy_logits(), toy_logits(), -1.0)
    with pytest.raises(ValueError, match="max_len"):
        finished_sequences(0)
    assert len(list(itertools.islice(finished_sequences(1), 10))) == 4
