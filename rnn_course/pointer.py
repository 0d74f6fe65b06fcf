"""Pointer networks: attention weights over the input positions are the output distribution.

The model here is a small pointer network in the style of Vinyals et al. (2015): a GRU encoder
reads x_1..x_T into states e_i, a GRU decoder is fed the input it pointed at in the previous step
(teacher forcing) and produces d_t, and dot-product scores u_{t,i} = (W_q d_t)·(W_k e_i) give
p(y_t = i) = α_{t,i} = softmax_i(u_{t,i}). Vinyals et al. used additive scores; the bilinear form
learns content matching much faster, which keeps the chapter's training run to a few seconds.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from rnn_course.torch_threads import single_torch_thread
from rnn_course.validation import require_int, require_number

# Inputs are random Gaussian vectors of this size, distinct enough for attention to match by content.
INPUT_SIZE = 8


class PointerNetwork(nn.Module):
    """Encoder–decoder whose output at step t is a distribution over the T input positions."""

    def __init__(self, input_size: int = INPUT_SIZE, hidden_size: int = 32):
        super().__init__()
        self.encoder = nn.GRU(input_size, hidden_size)
        self.decoder = nn.GRU(input_size, hidden_size)
        self.W_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.W_q = nn.Linear(hidden_size, hidden_size, bias=False)
        self.start = nn.Parameter(torch.zeros(input_size))  # decoder input at the first step

    def forward(self, x: torch.Tensor, pointed: torch.Tensor, mask_chosen: bool = False) -> torch.Tensor:
        """Return the pointer log-probabilities log α, shape (T_y, B, T_x).

        x: (T_x, B, D) inputs. pointed: (T_y, B) int64 target positions, fed back shifted by one
        step (teacher forcing). With mask_chosen, positions pointed at in earlier steps get
        probability 0, as in decoding a permutation.
        """
        T_x, B, D = x.shape
        T_y = pointed.shape[0]
        e, h_T = self.encoder(x)  # e: (T_x, B, H), h_T: (1, B, H)
        previous = torch.gather(x, 0, pointed[:-1].unsqueeze(-1).expand(-1, -1, D))  # (T_y − 1, B, D)
        decoder_inputs = torch.cat([self.start.expand(1, B, D), previous], dim=0)  # (T_y, B, D)
        d, _ = self.decoder(decoder_inputs, h_T)  # (T_y, B, H)
        # u[t, b, i] = vᵀ tanh(W_1 e_i + W_2 d_t)
        keys = self.W_k(e).permute(1, 2, 0)  # (B, H, T_x)
        queries = self.W_q(d).transpose(0, 1)  # (B, T_y, H)
        u = torch.bmm(queries, keys).transpose(0, 1)  # (T_y, B, T_x): u[t, b, i] = q_t · k_i
        if mask_chosen:
            chosen = torch.zeros(T_y, B, T_x, dtype=torch.bool)
            for t in range(1, T_y):
                chosen[t] = chosen[t - 1].clone()
                chosen[t].scatter_(1, pointed[t - 1].unsqueeze(1), True)
            u = u.masked_fill(chosen, float("-inf"))
        return torch.log_softmax(u, dim=-1)


def alignment_batch(T: int, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Return random inputs x (T, B, 1) and the alignment targets y_t = t, shape (T, B)."""
    x = torch.randn(T, batch_size, INPUT_SIZE, generator=generator)
    y = torch.arange(T).unsqueeze(1).expand(T, batch_size).contiguous()
    return x, y


def sequence_nll(log_alpha: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Return the mean over the batch of the summed negative log-likelihood Σ_t −log α_{t, y_t} (nats)."""
    return -torch.gather(log_alpha, 2, y.unsqueeze(-1)).squeeze(-1).sum(dim=0).mean()


def train_alignment_pointer(lengths: tuple[int, ...] = (2, 4, 6, 8, 10, 12), num_steps: int = 300,
                            batch_size: int = 32, hidden_size: int = 32, learning_rate: float = 0.01,
                            seed: int = 0) -> tuple[PointerNetwork, list[float]]:
    """Train a PointerNetwork on y_t = t with sequence lengths cycled through lengths; return it and the losses."""
    num_steps = require_int("num_steps", num_steps, low=1)
    batch_size = require_int("batch_size", batch_size, low=1)
    learning_rate = require_number("learning_rate", learning_rate, low=0.0, low_open=True)
    if not lengths or min(lengths) < 1:
        raise ValueError(f"lengths 必须是正整数序列，收到 {lengths!r}。")
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = PointerNetwork(hidden_size=hidden_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    with single_torch_thread():
        for step in range(num_steps):
            T = lengths[step % len(lengths)]
            x, y = alignment_batch(T, batch_size, generator)
            loss = sequence_nll(model(x, y), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return model, losses


@torch.no_grad()
def evaluate_alignment_pointer(model: PointerNetwork, T: int, batch_size: int = 256, seed: int = 1) -> float:
    """Return the mean summed pointer loss Σ_t −log α_{t,t} (nats) on fresh inputs of length T."""
    T = require_int("T", T, low=1)
    generator = torch.Generator().manual_seed(seed)
    x, y = alignment_batch(T, batch_size, generator)
    with single_torch_thread():
        return sequence_nll(model(x, y), y).item()


def uniform_softmax_loss(T: int | np.ndarray) -> np.ndarray:
    """Return T·ln T: the summed loss of a decoder that predicts the uniform distribution over T classes."""
    T = np.asarray(T, dtype=np.float64)
    if np.any(T < 1):
        raise ValueError(f"T 必须 ≥ 1，收到 {T}。")
    return T * np.log(T)


def sharp_pointer_loss(T: int | np.ndarray, sharpness: float) -> np.ndarray:
    """Return T·ln(1 + (T − 1)·e^(−sharpness)): the summed loss of an ideal pointer.

    The ideal pointer scores the correct position i = t with sharpness and every other position with 0.
    """
    sharpness = require_number("sharpness", sharpness, low=0.0)
    T = np.asarray(T, dtype=np.float64)
    if np.any(T < 1):
        raise ValueError(f"T 必须 ≥ 1，收到 {T}。")
    return T * np.log1p((T - 1.0) * math.exp(-sharpness))
