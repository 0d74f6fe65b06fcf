"""Wrong and correct answers for the graded cells of a3_attention_pointer.

Each value is the full source of a solution cell. Every WRONG_ANSWERS entry must fail at least one test cell
of its own function and no test cell of another function; every CORRECT_VARIANTS entry must pass all test cells.
"""

# ----------------------------------------------------------------------------------------------------------------
# min_hidden_dim
# ----------------------------------------------------------------------------------------------------------------
_MIN_HIDDEN_DIM_CHECKS = '''
    if T_y < 0 or vocab_size < 1 or bits_per_dim <= 0:
        raise ValueError(f"参数无效：T_y={T_y}, vocab_size={vocab_size}, bits_per_dim={bits_per_dim}")
'''

MIN_HIDDEN_DIM_WRONG = {
    # math.ceil on the float quotient: 10 × (1 − 0.7) / 0.1 = 30.000000000000004 becomes 31.
    "ceil_without_tolerance": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
''' + _MIN_HIDDEN_DIM_CHECKS + '''
    return max(0, math.ceil(T_y * (math.log2(vocab_size) - ce_bits) / bits_per_dim))
''',
    # Natural logarithm instead of log2: the information is then in nats, not bits.
    "natural_log": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
''' + _MIN_HIDDEN_DIM_CHECKS + '''
    return max(0, math.ceil(T_y * (math.log(vocab_size) - ce_bits) / bits_per_dim - CEIL_TOLERANCE))
''',
    # No clamp at 0: a negative right-hand side gives a negative dimension.
    "negative_not_clamped": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
''' + _MIN_HIDDEN_DIM_CHECKS + '''
    return math.ceil(T_y * (math.log2(vocab_size) - ce_bits) / bits_per_dim - CEIL_TOLERANCE)
''',
    # np.ceil returns a float, not an int.
    "returns_float": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
''' + _MIN_HIDDEN_DIM_CHECKS + '''
    return max(0.0, np.ceil(T_y * (np.log2(vocab_size) - ce_bits) / bits_per_dim - CEIL_TOLERANCE))
''',
    # Rounds to the nearest integer instead of rounding up: 12.5 becomes 12.
    "round_not_ceil": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
''' + _MIN_HIDDEN_DIM_CHECKS + '''
    return max(0, round(T_y * (math.log2(vocab_size) - ce_bits) / bits_per_dim))
''',
    # Forgets to reject q <= 0: q = 0 raises ZeroDivisionError and q < 0 returns 0.
    "no_check_bits_per_dim": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
    if T_y < 0 or vocab_size < 1:
        raise ValueError("参数无效")
    return max(0, math.ceil(T_y * (math.log2(vocab_size) - ce_bits) / bits_per_dim - CEIL_TOLERANCE))
''',
    # A tolerance far larger than 1e-9 swallows a real excess of 4e-7.
    "tolerance_too_large": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
''' + _MIN_HIDDEN_DIM_CHECKS + '''
    return max(0, math.ceil(T_y * (math.log2(vocab_size) - ce_bits) / bits_per_dim - 1e-6))
''',
}

MIN_HIDDEN_DIM_CORRECT = {
    # Compares the bits first and casts numpy's ceiling back to a Python int.
    "numpy_ceil_cast": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
    """信息瓶颈下界的另一种写法。"""
    if T_y < 0:
        raise ValueError(f"T_y 不能为负，收到 {T_y}")
    if vocab_size < 1:
        raise ValueError(f"vocab_size 至少为 1，收到 {vocab_size}")
    if not bits_per_dim > 0:
        raise ValueError(f"bits_per_dim 必须为正，收到 {bits_per_dim}")
    ratio = (np.log2(vocab_size) - ce_bits) * T_y / bits_per_dim
    if ratio <= 0:
        return 0
    return int(np.ceil(ratio - 1e-9))
''',
    # Counts dimensions up from zero until d_h·q covers the bits (with the same tolerance).
    "linear_search": '''
def min_hidden_dim(T_y, vocab_size, ce_bits, bits_per_dim):
    """逐个增加维度直到容量足够。"""
    if T_y < 0 or vocab_size < 1 or bits_per_dim <= 0:
        raise ValueError("T_y 须 ≥ 0，vocab_size 须 ≥ 1，bits_per_dim 须 > 0")
    target = T_y / bits_per_dim * (math.log2(vocab_size) - ce_bits)
    d_h = 0
    while d_h < target - CEIL_TOLERANCE:
        d_h += 1
    return d_h
''',
}

# ----------------------------------------------------------------------------------------------------------------
# dot_product_attention
# ----------------------------------------------------------------------------------------------------------------
_ATTENTION_HEAD = '''
def dot_product_attention(query, keys, values, mask=None):
    B, T, d = keys.shape
    if mask is None:
        mask = torch.ones(B, T, dtype=torch.bool)
    if not bool(mask.any(dim=1).all()):
        raise ValueError("某一行没有可关注的位置")
    s = torch.einsum("bd,btd->bt", query, keys)
'''

DOT_PRODUCT_ATTENTION_WRONG = {
    # exp without subtracting the maximum: exp(1e4) = inf, and inf / inf = nan.
    "naive_exp_overflow": _ATTENTION_HEAD + '''
    e = torch.exp(s) * mask
    alpha = e / e.sum(dim=1, keepdim=True)
    return torch.einsum("bt,btv->bv", alpha, values), alpha
''',
    # Softmax over every position, then zeroing the masked ones without renormalising.
    "mask_after_softmax": _ATTENTION_HEAD + '''
    alpha = torch.softmax(s, dim=1) * mask
    return torch.einsum("bt,btv->bv", alpha, values), alpha
''',
    # Scaled by 1/sqrt(d) as in Transformers, although the contract asks for unscaled scores.
    "scaled_by_sqrt_d": _ATTENTION_HEAD + '''
    alpha = torch.softmax(s.masked_fill(~mask, float("-inf")) / math.sqrt(d), dim=1)
    return torch.einsum("bt,btv->bv", alpha, values), alpha
''',
    # No check for rows without attendable positions: returns nan instead of raising.
    "no_empty_row_error": '''
def dot_product_attention(query, keys, values, mask=None):
    B, T, d = keys.shape
    if mask is None:
        mask = torch.ones(B, T, dtype=torch.bool)
    s = torch.einsum("bd,btd->bt", query, keys)
    alpha = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=1)
    return torch.einsum("bt,btv->bv", alpha, values), alpha
''',
    # Inverted mask: attends exactly to the forbidden positions.
    "mask_inverted": _ATTENTION_HEAD + '''
    alpha = torch.softmax(s.masked_fill(mask, -1e9), dim=1)
    return torch.einsum("bt,btv->bv", alpha, values), alpha
''',
    # Subtracts the maximum over all positions, masked ones included, and zeroes the masked ones by
    # multiplication: when every attendable score is far below a masked one, all exponentials underflow to 0/0.
    "max_over_all_positions": _ATTENTION_HEAD + '''
    e = torch.exp(s - s.max(dim=1, keepdim=True).values) * mask
    alpha = e / e.sum(dim=1, keepdim=True)
    return torch.einsum("bt,btv->bv", alpha, values), alpha
''',
    # Clamps the scores to avoid overflow, which flattens the weights of large scores.
    "clamp_scores": _ATTENTION_HEAD + '''
    e = torch.exp(s.clamp(-50.0, 50.0)) * mask
    alpha = e / e.sum(dim=1, keepdim=True)
    return torch.einsum("bt,btv->bv", alpha, values), alpha
''',
    # Computes in numpy and wraps the result: correct numbers, but no gradient reaches the inputs.
    "numpy_not_differentiable": _ATTENTION_HEAD + '''
    scores = s.detach().numpy().astype(np.float64)
    scores = np.where(mask.numpy(), scores, -np.inf)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    alpha = torch.tensor(e / e.sum(axis=1, keepdims=True), dtype=query.dtype)
    return torch.einsum("bt,btv->bv", alpha, values.detach()), alpha
''',
}

DOT_PRODUCT_ATTENTION_CORRECT = {
    # Batched matmul and torch.softmax, mask filled with a large finite negative number.
    "bmm_softmax_large_negative": '''
def dot_product_attention(query, keys, values, mask=None):
    """bmm 与 torch.softmax 的写法。"""
    if mask is None:
        mask = torch.ones(keys.shape[:2], dtype=torch.bool)
    if (mask.sum(dim=1) == 0).any():
        raise ValueError("mask 中存在全为 False 的行")
    scores = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)           # (B, T)
    scores = torch.where(mask, scores, torch.full_like(scores, -1e30))
    weights = torch.softmax(scores, dim=-1)
    weights = weights * mask                                           # exp(-1e30 - m) is already 0
    context = torch.bmm(weights.unsqueeze(1), values).squeeze(1)       # (B, d_v)
    return context, weights
''',
    # Log-sum-exp written out by hand.
    "logsumexp": '''
def dot_product_attention(query, keys, values, mask=None):
    """用 logsumexp 归一化。"""
    s = (query[:, None, :] * keys).sum(dim=-1)
    if mask is not None:
        if not mask.any(dim=-1).all():
            raise ValueError("至少要有一个可关注的位置")
        s = s.masked_fill(~mask, float("-inf"))
    log_alpha = s - torch.logsumexp(s, dim=-1, keepdim=True)
    alpha = torch.exp(log_alpha)
    return (alpha[:, :, None] * values).sum(dim=1), alpha
''',
}

# ----------------------------------------------------------------------------------------------------------------
# alignment_entropy
# ----------------------------------------------------------------------------------------------------------------
ALIGNMENT_ENTROPY_WRONG = {
    # log2 instead of the natural logarithm: bits, not nats.
    "log2_bits": '''
def alignment_entropy(weights):
    w = np.asarray(weights, dtype=np.float64)
    return -np.sum(np.where(w > 0, w * np.log2(np.where(w > 0, w, 1.0)), 0.0), axis=-1)
''',
    # Naive w·log w: 0·log 0 gives nan and a RuntimeWarning.
    "naive_zero_log_zero": '''
def alignment_entropy(weights):
    w = np.asarray(weights, dtype=np.float64)
    return -np.sum(w * np.log(w), axis=-1)
''',
    # Sums over the first axis instead of the last.
    "wrong_axis": '''
def alignment_entropy(weights):
    w = np.asarray(weights, dtype=np.float64)
    return -np.sum(np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0), axis=0)
''',
    # Sign error: returns the negative entropy.
    "sign_error": '''
def alignment_entropy(weights):
    w = np.asarray(weights, dtype=np.float64)
    return np.sum(np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0), axis=-1)
''',
    # Normalised entropy H / ln T instead of H.
    "normalised_by_log_T": '''
def alignment_entropy(weights):
    w = np.asarray(weights, dtype=np.float64)
    H = -np.sum(np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0), axis=-1)
    return H / max(math.log(w.shape[-1]), 1.0)
''',
}

ALIGNMENT_ENTROPY_CORRECT = {
    # torch.special.xlogy handles 0·log 0 = 0.
    "torch_xlogy": '''
def alignment_entropy(weights):
    """用 torch.special.xlogy 计算。"""
    w = torch.as_tensor(np.asarray(weights), dtype=torch.float64)
    return -torch.special.xlogy(w, w).sum(dim=-1).numpy()
''',
    # Masked logarithm under np.errstate, then zeroing with np.where.
    "errstate_where": '''
def alignment_entropy(weights):
    """在 np.errstate 中取对数，再把 0 处的项置 0。"""
    p = np.asarray(weights, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum(axis=-1)
''',
}

# ----------------------------------------------------------------------------------------------------------------
# pointer_step
# ----------------------------------------------------------------------------------------------------------------
_POINTER_HEAD = '''
def pointer_step(query, encoder_states, chosen_mask):
    if bool(chosen_mask.all(dim=1).any()):
        raise ValueError("所有位置都已被选过")
    s = torch.einsum("bd,btd->bt", query, encoder_states)
'''

POINTER_STEP_WRONG = {
    # Ignores the chosen positions: the greedy decode repeats an index.
    "ignores_chosen": _POINTER_HEAD + '''
    probs = torch.softmax(s, dim=1)
    return probs, probs.argmax(dim=1)
''',
    # Zeroes the chosen positions after the softmax without renormalising.
    "zero_after_softmax": _POINTER_HEAD + '''
    probs = torch.softmax(s, dim=1) * (~chosen_mask)
    return probs, probs.argmax(dim=1)
''',
    # Reads chosen_mask with the meaning of the attention mask (True = allowed).
    "mask_meaning_inverted": _POINTER_HEAD + '''
    probs = torch.softmax(s.masked_fill(~chosen_mask, -1e9), dim=1)
    return probs, probs.argmax(dim=1)
''',
    # Correct probabilities, but the greedy index comes from the unmasked scores.
    "index_from_unmasked_scores": _POINTER_HEAD + '''
    probs = torch.softmax(s.masked_fill(chosen_mask, float("-inf")), dim=1)
    return probs, s.argmax(dim=1)
''',
    # Softmax without subtracting the maximum: overflows at |s| = 1e4.
    "naive_exp_overflow": _POINTER_HEAD + '''
    e = torch.exp(s) * (~chosen_mask)
    probs = e / e.sum(dim=1, keepdim=True)
    return probs, probs.argmax(dim=1)
''',
    # Returns the index as a Python list instead of an int64 tensor.
    "index_as_list": _POINTER_HEAD + '''
    probs = torch.softmax(s.masked_fill(chosen_mask, float("-inf")), dim=1)
    return probs, probs.argmax(dim=1).tolist()
''',
}

POINTER_STEP_CORRECT = {
    # log_softmax over available positions, probabilities by exp, index from the probabilities.
    "log_softmax_where": '''
def pointer_step(query, encoder_states, chosen_mask):
    """log_softmax 写法。"""
    available = ~chosen_mask
    if not bool(available.any(dim=-1).all()):
        raise ValueError("有一行的所有输入都已被选中")
    scores = torch.bmm(encoder_states, query.unsqueeze(-1)).squeeze(-1)
    scores = torch.where(available, scores, torch.tensor(float("-inf"), dtype=scores.dtype))
    probs = torch.exp(torch.log_softmax(scores, dim=-1))
    return probs, torch.argmax(probs, dim=-1)
''',
}

WRONG_ANSWERS = {
    "min_hidden_dim": MIN_HIDDEN_DIM_WRONG,
    "dot_product_attention": DOT_PRODUCT_ATTENTION_WRONG,
    "alignment_entropy": ALIGNMENT_ENTROPY_WRONG,
    "pointer_step": POINTER_STEP_WRONG,
}

CORRECT_VARIANTS = {
    "min_hidden_dim": MIN_HIDDEN_DIM_CORRECT,
    "dot_product_attention": DOT_PRODUCT_ATTENTION_CORRECT,
    "alignment_entropy": ALIGNMENT_ENTROPY_CORRECT,
    "pointer_step": POINTER_STEP_CORRECT,
}
