"""Wrong and correct answers for the graded cells of a1_supervision_modes.

Each value is the full source of a solution cell. Every WRONG_ANSWERS entry must fail at least one test cell
of its own function and no test cell of another function; every CORRECT_VARIANTS entry must pass all test cells.
"""

# ----------------------------------------------------------------------------------------------------------------
# rnn_forward
# ----------------------------------------------------------------------------------------------------------------
RNN_FORWARD_WRONG = {
    # Starts every sequence from a zero state instead of h0.
    "h0_ignored": '''
def rnn_forward(x, h0, W_xh, W_hh, b_h):
    h_t = torch.zeros_like(h0)
    states = []
    for t in range(x.shape[0]):
        h_t = torch.tanh(x[t] @ W_xh.T + h_t @ W_hh.T + b_h)
        states.append(h_t)
    return torch.stack(states)
''',
    # Off by one: returns h_0 … h_{T-1} instead of h_1 … h_T.
    "returns_h0_drops_last": '''
def rnn_forward(x, h0, W_xh, W_hh, b_h):
    h_t = h0
    states = []
    for t in range(x.shape[0]):
        states.append(h_t)
        h_t = torch.tanh(x[t] @ W_xh.T + h_t @ W_hh.T + b_h)
    return torch.stack(states)
''',
    # Multiplies by W_hh instead of its transpose; only a symmetric W_hh hides the mistake.
    "W_hh_not_transposed": '''
def rnn_forward(x, h0, W_xh, W_hh, b_h):
    h_t = h0
    states = []
    for t in range(x.shape[0]):
        h_t = torch.tanh(x[t] @ W_xh.T + h_t @ W_hh + b_h)
        states.append(h_t)
    return torch.stack(states)
''',
    # ReLU instead of tanh.
    "relu_activation": '''
def rnn_forward(x, h0, W_xh, W_hh, b_h):
    h_t = h0
    states = []
    for t in range(x.shape[0]):
        h_t = torch.relu(x[t] @ W_xh.T + h_t @ W_hh.T + b_h)
        states.append(h_t)
    return torch.stack(states)
''',
    # Right values, but detach() cuts the graph, so no gradient reaches the inputs.
    "detached_states": '''
def rnn_forward(x, h0, W_xh, W_hh, b_h):
    h_t = h0
    states = []
    for t in range(x.shape[0]):
        h_t = torch.tanh(x[t] @ W_xh.T + h_t @ W_hh.T + b_h).detach()
        states.append(h_t)
    return torch.stack(states)
''',
}

RNN_FORWARD_CORRECT = {
    # Projects all inputs at once with einsum and writes each step into a preallocated tensor.
    "einsum_preallocated": '''
def rnn_forward(x, h0, W_xh, W_hh, b_h):
    T, B, D = x.shape
    H = W_hh.shape[0]
    input_part = torch.einsum("tbd,hd->tbh", x, W_xh) + b_h
    h = x.new_empty(T, B, H)
    h_t = h0
    for t in range(T):
        h_t = torch.tanh(input_part[t] + torch.einsum("bk,hk->bh", h_t, W_hh))
        h[t] = h_t
    return h
''',
    # torch.addmm and a list comprehension-free while loop.
    "addmm_while_loop": '''
def rnn_forward(x, h0, W_xh, W_hh, b_h):
    outputs = []
    h_prev = h0
    t = 0
    while t < len(x):
        h_prev = torch.tanh(torch.addmm(b_h, x[t], W_xh.t()) + h_prev.mm(W_hh.t()))
        outputs.append(h_prev.unsqueeze(0))
        t += 1
    return torch.cat(outputs, dim=0)
''',
}

# ----------------------------------------------------------------------------------------------------------------
# last_valid_state
# ----------------------------------------------------------------------------------------------------------------
LAST_VALID_STATE_WRONG = {
    # Ignores lengths and reads the padded last step.
    "reads_last_step": '''
def last_valid_state(h, lengths):
    return h[-1]
''',
    # Off by one: h[lengths[b]] is the first padded step, and an IndexError when lengths[b] = T.
    "index_off_by_one": '''
def last_valid_state(h, lengths):
    return h[lengths, torch.arange(h.shape[1])]
''',
    # Correct for valid lengths, but lengths = 0 silently reads h[-1] through negative indexing.
    "no_range_check": '''
def last_valid_state(h, lengths):
    return h[lengths - 1, torch.arange(h.shape[1])]
''',
    # Forgets the batch index: h[lengths - 1] has shape (B, B, H).
    "missing_batch_index": '''
def last_valid_state(h, lengths):
    if (lengths < 1).any() or (lengths > h.shape[0]).any():
        raise ValueError(f"lengths 越界：{lengths.tolist()}")
    return h[lengths - 1]
''',
}

LAST_VALID_STATE_CORRECT = {
    # torch.gather along the time axis.
    "gather": '''
def last_valid_state(h, lengths):
    T, B, H = h.shape
    if lengths.shape != (B,) or int(lengths.min()) < 1 or int(lengths.max()) > T:
        raise ValueError(f"lengths 应在 [1, {T}] 内，收到 {lengths.tolist()}")
    index = (lengths - 1).view(1, B, 1).expand(1, B, H)
    return h.gather(0, index).squeeze(0)
''',
    # A Python loop over the batch.
    "loop_stack": '''
def last_valid_state(h, lengths):
    T = h.shape[0]
    rows = []
    for b, length in enumerate(lengths.tolist()):
        if not 1 <= length <= T:
            raise ValueError(f"第 {b} 个长度 {length} 不在 [1, {T}] 内")
        rows.append(h[length - 1, b])
    return torch.stack(rows)
''',
}

# ----------------------------------------------------------------------------------------------------------------
# tag_logits
# ----------------------------------------------------------------------------------------------------------------
TAG_LOGITS_WRONG = {
    "missing_bias": '''
def tag_logits(h, W_hy, b_y):
    return h @ W_hy.T
''',
    # Returns probabilities, not logits.
    "softmax_applied": '''
def tag_logits(h, W_hy, b_y):
    return torch.softmax(h @ W_hy.T + b_y, dim=-1)
''',
    # h @ W_hy needs W_hy of shape (H, C); with C != H it raises a shape error.
    "weight_not_transposed": '''
def tag_logits(h, W_hy, b_y):
    return h @ W_hy + b_y
''',
    # Scores only the last step, the many-to-one readout.
    "last_step_only": '''
def tag_logits(h, W_hy, b_y):
    return (h[-1] @ W_hy.T + b_y).unsqueeze(0)
''',
}

TAG_LOGITS_CORRECT = {
    "functional_linear": '''
def tag_logits(h, W_hy, b_y):
    return F.linear(h, W_hy, b_y)
''',
    "per_step_loop": '''
def tag_logits(h, W_hy, b_y):
    return torch.stack([torch.einsum("bh,ch->bc", h_t, W_hy) + b_y for h_t in h])
''',
}

# ----------------------------------------------------------------------------------------------------------------
# sequence_loss
# ----------------------------------------------------------------------------------------------------------------
_SEQUENCE_LOSS_HEAD = '''
def sequence_loss(logits, targets, mode, lengths=None):
    T, B, C = logits.shape
    if mode not in ("final", "all"):
        raise ValueError(f"mode 无效：{mode!r}")
    if lengths is None:
        lengths = torch.full((B,), T, dtype=torch.int64)
    if (lengths < 1).any() or (lengths > T).any():
        raise ValueError(f"lengths 越界：{lengths.tolist()}")
'''

SEQUENCE_LOSS_WRONG = {
    # Averages over every (t, b), padding included.
    "all_without_mask": _SEQUENCE_LOSS_HEAD + '''
    nll = -torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    if mode == "final":
        return nll[lengths - 1, torch.arange(B)].mean()
    return nll.mean()
''',
    # Averages each sequence first, then the sequences: wrong when the lengths differ.
    "all_mean_of_sequence_means": _SEQUENCE_LOSS_HEAD + '''
    nll = -torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    if mode == "final":
        return nll[lengths - 1, torch.arange(B)].mean()
    return torch.stack([nll[: lengths[b], b].mean() for b in range(B)]).mean()
''',
    # Final mode reads step T for every sequence, ignoring lengths.
    "final_ignores_lengths": _SEQUENCE_LOSS_HEAD + '''
    nll = -torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    if mode == "final":
        return nll[-1].mean()
    valid = torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)
    return nll[valid].mean()
''',
    # log(softmax(·)) underflows to log 0 = -inf for logits of ±1e4.
    "unstable_log_of_softmax": _SEQUENCE_LOSS_HEAD + '''
    nll = -torch.log(torch.softmax(logits, -1)).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    if mode == "final":
        return nll[lengths - 1, torch.arange(B)].mean()
    valid = torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)
    return nll[valid].mean()
''',
    # Any mode other than "final" falls through to "all" instead of raising ValueError.
    "mode_not_validated": '''
def sequence_loss(logits, targets, mode, lengths=None):
    T, B, C = logits.shape
    if lengths is None:
        lengths = torch.full((B,), T, dtype=torch.int64)
    nll = -torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    if mode == "final":
        return nll[lengths - 1, torch.arange(B)].mean()
    valid = torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)
    return nll[valid].mean()
''',
}

SEQUENCE_LOSS_CORRECT = {
    # F.cross_entropy on the gathered valid positions.
    "cross_entropy_on_valid": _SEQUENCE_LOSS_HEAD + '''
    if mode == "final":
        batch = torch.arange(B)
        return F.cross_entropy(logits[lengths - 1, batch], targets[lengths - 1, batch])
    valid = torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)
    return F.cross_entropy(logits[valid], targets[valid])
''',
    # Sums per-sequence losses with reduction="sum" and divides by the token count.
    "sum_then_divide": _SEQUENCE_LOSS_HEAD + '''
    total = logits.new_zeros(())
    count = 0
    for b in range(B):
        length = int(lengths[b])
        steps = slice(length - 1, length) if mode == "final" else slice(0, length)
        total = total + F.cross_entropy(logits[steps, b], targets[steps, b], reduction="sum")
        count += 1 if mode == "final" else length
    return total / count
''',
}

# ----------------------------------------------------------------------------------------------------------------
# bidirectional_rnn_forward
# ----------------------------------------------------------------------------------------------------------------
_RUN_HELPER = '''
    def run(params, h_t, inputs):
        W_xh, W_hh, b_h = params
        states = []
        for x_t in inputs:
            h_t = torch.tanh(x_t @ W_xh.T + h_t @ W_hh.T + b_h)
            states.append(h_t)
        return torch.stack(states)
'''

BIDIRECTIONAL_WRONG = {
    # Backward states stay in reading order, so index 0 holds h^b_T instead of h^b_1.
    "backward_not_realigned": '''
def bidirectional_rnn_forward(x, h0_fwd, h0_bwd, fwd_params, bwd_params):''' + _RUN_HELPER + '''
    return torch.cat([run(fwd_params, h0_fwd, x), run(bwd_params, h0_bwd, x.flip(0))], dim=-1)
''',
    # The "backward" RNN reads the sequence forwards.
    "backward_reads_forwards": '''
def bidirectional_rnn_forward(x, h0_fwd, h0_bwd, fwd_params, bwd_params):''' + _RUN_HELPER + '''
    return torch.cat([run(fwd_params, h0_fwd, x), run(bwd_params, h0_bwd, x)], dim=-1)
''',
    # Backward half first.
    "halves_swapped": '''
def bidirectional_rnn_forward(x, h0_fwd, h0_bwd, fwd_params, bwd_params):''' + _RUN_HELPER + '''
    return torch.cat([run(bwd_params, h0_bwd, x.flip(0)).flip(0), run(fwd_params, h0_fwd, x)], dim=-1)
''',
    # Starts the backward RNN from the forward initial state.
    "backward_uses_h0_fwd": '''
def bidirectional_rnn_forward(x, h0_fwd, h0_bwd, fwd_params, bwd_params):''' + _RUN_HELPER + '''
    return torch.cat([run(fwd_params, h0_fwd, x), run(bwd_params, h0_fwd, x.flip(0)).flip(0)], dim=-1)
''',
}

BIDIRECTIONAL_CORRECT = {
    # Flips the input, runs, flips the states back.
    "flip_and_flip_back": '''
def bidirectional_rnn_forward(x, h0_fwd, h0_bwd, fwd_params, bwd_params):''' + _RUN_HELPER + '''
    h_fwd = run(fwd_params, h0_fwd, x)
    h_bwd = torch.flip(run(bwd_params, h0_bwd, torch.flip(x, dims=[0])), dims=[0])
    return torch.cat((h_fwd, h_bwd), dim=2)
''',
    # Both directions in one loop, writing into preallocated halves.
    "single_loop_preallocated": '''
def bidirectional_rnn_forward(x, h0_fwd, h0_bwd, fwd_params, bwd_params):
    T, B, D = x.shape
    H = h0_fwd.shape[1]
    out = x.new_zeros(T, B, 2 * H)
    h_f, h_b = h0_fwd, h0_bwd
    for step in range(T):
        s = T - 1 - step
        h_f = torch.tanh(x[step] @ fwd_params[0].T + h_f @ fwd_params[1].T + fwd_params[2])
        h_b = torch.tanh(x[s] @ bwd_params[0].T + h_b @ bwd_params[1].T + bwd_params[2])
        out[step, :, :H] = h_f
        out[s, :, H:] = h_b
    return out
''',
}

# ----------------------------------------------------------------------------------------------------------------
# generate_one_to_many
# ----------------------------------------------------------------------------------------------------------------
_STEPS_CHECK = '''
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps 必须是正整数，收到 {steps!r}")
'''

GENERATE_WRONG = {
    # Feeds x0 at every step instead of the previous output.
    "input_not_fed_back": '''
def generate_one_to_many(x0, h0, cell_params, W_hy, steps):''' + _STEPS_CHECK + '''
    W_xh, W_hh, b_h = cell_params
    h_t, outputs = h0, []
    for _ in range(steps):
        h_t = torch.tanh(x0 @ W_xh.T + h_t @ W_hh.T + b_h)
        outputs.append(h_t @ W_hy.T)
    return torch.stack(outputs)
''',
    # Recomputes every step from h0, so the hidden state carries nothing forward.
    "hidden_not_carried": '''
def generate_one_to_many(x0, h0, cell_params, W_hy, steps):''' + _STEPS_CHECK + '''
    W_xh, W_hh, b_h = cell_params
    x_t, outputs = x0, []
    for _ in range(steps):
        x_t = torch.tanh(x_t @ W_xh.T + h0 @ W_hh.T + b_h) @ W_hy.T
        outputs.append(x_t)
    return torch.stack(outputs)
''',
    # Off by one: the input x0 is returned as the first output and y_steps is lost.
    "outputs_include_x0": '''
def generate_one_to_many(x0, h0, cell_params, W_hy, steps):''' + _STEPS_CHECK + '''
    W_xh, W_hh, b_h = cell_params
    x_t, h_t, outputs = x0, h0, []
    for _ in range(steps):
        outputs.append(x_t)
        h_t = torch.tanh(x_t @ W_xh.T + h_t @ W_hh.T + b_h)
        x_t = h_t @ W_hy.T
    return torch.stack(outputs)
''',
    # No check on steps: steps = 0 fails inside torch.stack with a RuntimeError, not ValueError.
    "steps_not_checked": '''
def generate_one_to_many(x0, h0, cell_params, W_hy, steps):
    W_xh, W_hh, b_h = cell_params
    x_t, h_t, outputs = x0, h0, []
    for _ in range(steps):
        h_t = torch.tanh(x_t @ W_xh.T + h_t @ W_hh.T + b_h)
        x_t = h_t @ W_hy.T
        outputs.append(x_t)
    return torch.stack(outputs)
''',
}

GENERATE_CORRECT = {
    # F.linear and a preallocated output tensor.
    "functional_preallocated": '''
def generate_one_to_many(x0, h0, cell_params, W_hy, steps):
    if isinstance(steps, bool) or not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps 必须是正整数，收到 {steps!r}")
    W_xh, W_hh, b_h = cell_params
    y = x0.new_empty(steps, *x0.shape)
    x_t, h_t = x0, h0
    for t in range(steps):
        h_t = torch.tanh(F.linear(x_t, W_xh, b_h) + F.linear(h_t, W_hh))
        x_t = F.linear(h_t, W_hy)
        y[t] = x_t
    return y
''',
}

# ----------------------------------------------------------------------------------------------------------------
# decode
# ----------------------------------------------------------------------------------------------------------------
DECODE_WRONG = {
    # Teacher forcing feeds the token it is asked to predict (targets[t]) and never reads bos.
    "teacher_forcing_leaks_current_target": '''
def decode(h0, targets, bos, embed, step_fn, teacher_forcing):
    T, B = targets.shape
    u_prev, h_t, logits, tokens = torch.full((B,), bos), h0, [], []
    for t in range(T):
        u_t = targets[t] if teacher_forcing else u_prev
        o_t, h_t = step_fn(embed[u_t], h_t)
        logits.append(o_t)
        tokens.append(o_t.argmax(-1))
        u_prev = tokens[-1]
    return torch.stack(logits), torch.stack(tokens)
''',
    # Ignores the flag: always feeds the ground truth.
    "always_teacher_forcing": '''
def decode(h0, targets, bos, embed, step_fn, teacher_forcing):
    T, B = targets.shape
    u_prev, h_t, logits, tokens = torch.full((B,), bos), h0, [], []
    for t in range(T):
        o_t, h_t = step_fn(embed[u_prev], h_t)
        logits.append(o_t)
        tokens.append(o_t.argmax(-1))
        u_prev = targets[t]
    return torch.stack(logits), torch.stack(tokens)
''',
    # Starts from targets[0] instead of bos, shifting every input by one step.
    "starts_without_bos": '''
def decode(h0, targets, bos, embed, step_fn, teacher_forcing):
    T, B = targets.shape
    u_prev, h_t, logits, tokens = targets[0], h0, [], []
    for t in range(T):
        o_t, h_t = step_fn(embed[u_prev], h_t)
        logits.append(o_t)
        tokens.append(o_t.argmax(-1))
        u_prev = targets[t] if teacher_forcing else tokens[-1]
    return torch.stack(logits), torch.stack(tokens)
''',
    # Drops the new hidden state, so every step starts again from h0.
    "hidden_not_updated": '''
def decode(h0, targets, bos, embed, step_fn, teacher_forcing):
    T, B = targets.shape
    u_prev, logits, tokens = torch.full((B,), bos), [], []
    for t in range(T):
        o_t, _ = step_fn(embed[u_prev], h0)
        logits.append(o_t)
        tokens.append(o_t.argmax(-1))
        u_prev = targets[t] if teacher_forcing else tokens[-1]
    return torch.stack(logits), torch.stack(tokens)
''',
}

DECODE_CORRECT = {
    # Embedding lookup as a one-hot matrix product; the input sequence for teacher forcing is built up front.
    "one_hot_lookup": '''
def decode(h0, targets, bos, embed, step_fn, teacher_forcing):
    T, B = targets.shape
    V = embed.shape[0]
    shifted = torch.cat([torch.full((1, B), bos, dtype=torch.int64), targets[:-1]])
    h_t = h0
    logits = []
    u_t = shifted[0]
    for t in range(T):
        o_t, h_t = step_fn(F.one_hot(u_t, V).to(embed.dtype) @ embed, h_t)
        logits.append(o_t)
        if t + 1 < T:
            u_t = shifted[t + 1] if teacher_forcing else o_t.argmax(dim=1)
    logits = torch.stack(logits)
    return logits, logits.argmax(dim=-1)
''',
}

WRONG_ANSWERS = {
    "rnn_forward": RNN_FORWARD_WRONG,
    "last_valid_state": LAST_VALID_STATE_WRONG,
    "tag_logits": TAG_LOGITS_WRONG,
    "sequence_loss": SEQUENCE_LOSS_WRONG,
    "bidirectional_rnn_forward": BIDIRECTIONAL_WRONG,
    "generate_one_to_many": GENERATE_WRONG,
    "decode": DECODE_WRONG,
}

CORRECT_VARIANTS = {
    "rnn_forward": RNN_FORWARD_CORRECT,
    "last_valid_state": LAST_VALID_STATE_CORRECT,
    "tag_logits": TAG_LOGITS_CORRECT,
    "sequence_loss": SEQUENCE_LOSS_CORRECT,
    "bidirectional_rnn_forward": BIDIRECTIONAL_CORRECT,
    "generate_one_to_many": GENERATE_CORRECT,
    "decode": DECODE_CORRECT,
}
