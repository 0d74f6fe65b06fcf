"""Tests of rnn_course.pointer: closed-form losses against torch cross-entropy, masking, and a short training run."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_course.pointer import (
    PointerNetwork,
    alignment_batch,
    evaluate_alignment_pointer,
    sequence_nll,
    sharp_pointer_loss,
    train_alignment_pointer,
    uniform_softmax_loss,
)


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Run these tiny models on one thread: on a busy 2-core machine, two threads are far slower."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.mark.parametrize("T", [1, 2, 7, 30])
def test_uniform_loss_matches_cross_entropy(T):
    computed = F.cross_entropy(torch.zeros(T, T, dtype=torch.float64), torch.arange(T), reduction="sum").item()
    assert float(uniform_softmax_loss(T)) == pytest.approx(computed, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("T", [1, 3, 12])
@pytest.mark.parametrize("sharpness", [0.0, 1.5, 8.0])
def test_sharp_pointer_loss_matches_cross_entropy(T, sharpness):
    scores = sharpness * torch.eye(T, dtype=torch.float64)  # score s on i = t, 0 elsewhere
    computed = F.cross_entropy(scores, torch.arange(T), reduction="sum").item()
    assert float(sharp_pointer_loss(T, sharpness)) == pytest.approx(computed, rel=1e-12, abs=1e-12)


def test_sharp_pointer_at_zero_sharpness_is_uniform():
    T = np.arange(1, 20)
    np.testing.assert_allclose(sharp_pointer_loss(T, 0.0), uniform_softmax_loss(T), rtol=1e-12)


def test_losses_reject_invalid_values():
    with pytest.raises(ValueError, match="T"):
        uniform_softmax_loss(0)
    with pytest.raises(ValueError, match="sharpness"):
        sharp_pointer_loss(3, -1.0)
    with pytest.raises(ValueError, match="lengths"):
        train_alignment_pointer(lengths=())


def test_pointer_outputs_are_distributions_over_inputs():
    torch.manual_seed(0)
    model = PointerNetwork(hidden_size=8)
    x, y = alignment_batch(5, 3, torch.Generator().manual_seed(0))
    log_alpha = model(x, y)
    assert log_alpha.shape == (5, 3, 5)
    torch.testing.assert_close(log_alpha.exp().sum(-1), torch.ones(5, 3))


def test_pointer_output_size_follows_input_length():
    torch.manual_seed(0)
    model = PointerNetwork(hidden_size=8)
    for T in [2, 9]:
        x, y = alignment_batch(T, 1, torch.Generator().manual_seed(1))
        assert model(x, y).shape[-1] == T


def test_mask_chosen_zeroes_previous_targets():
    torch.manual_seed(0)
    model = PointerNetwork(hidden_size=8)
    T = 4
    x = torch.randn(T, 1, 8)
    permutation = torch.tensor([[2], [0], [3], [1]])
    alpha = model(x, permutation, mask_chosen=True).exp()[:, 0]  # (T, T)
    for t in range(1, T):
        for previous in permutation[:t, 0].tolist():
            assert alpha[t, previous].item() == 0.0
    torch.testing.assert_close(alpha.sum(-1), torch.ones(T))
    assert alpha[-1, 1].item() == pytest.approx(1.0)  # one position is left at the last step


def test_masked_permutation_probabilities_sum_to_one():
    torch.manual_seed(0)
    model = PointerNetwork(hidden_size=8)
    T = 4
    x = torch.randn(T, 1, 8)
    total = 0.0
    for perm in itertools.permutations(range(T)):
        y = torch.tensor(perm).unsqueeze(1)
        total += math.exp(-sequence_nll(model(x, y, mask_chosen=True), y).item())
    assert total == pytest.approx(1.0, rel=1e-5)


def test_sequence_nll_matches_cross_entropy():
    log_alpha = torch.log_softmax(torch.randn(3, 2, 4, generator=torch.Generator().manual_seed(0)), dim=-1)
    y = torch.tensor([[0, 1], [2, 3], [1, 1]])
    expected = F.nll_loss(log_alpha.reshape(6, 4), y.reshape(6), reduction="sum").item() / 2
    assert sequence_nll(log_alpha, y).item() == pytest.approx(expected, rel=1e-6)


def test_training_is_deterministic():
    _, losses = train_alignment_pointer(lengths=(3,), num_steps=5, hidden_size=8, seed=0)
    _, losses_again = train_alignment_pointer(lengths=(3,), num_steps=5, hidden_size=8, seed=0)
    assert losses == losses_again


def test_short_training_beats_softmax():
    model, losses = train_alignment_pointer(lengths=(3, 5), num_steps=40, hidden_size=16, seed=0)
    assert losses[-1] < losses[0]
    for T in [3, 5]:
        assert evaluate_alignment_pointer(model, T) < 0.5 * float(uniform_softmax_loss(T))


def test_training_restores_thread_count():
    before = torch.get_num_threads()
    train_alignment_pointer(lengths=(2,), num_steps=2, hidden_size=4)
    assert torch.get_num_threads() == before
