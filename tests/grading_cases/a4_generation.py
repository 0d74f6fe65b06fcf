"""Wrong and correct answers for the graded cells of a4_generation.

Each value is the full source of a solution cell. Every WRONG_ANSWERS entry must fail at least one test cell
of its own function and no test cell of another function; every CORRECT_VARIANTS entry must pass all test cells.
"""

# ----------------------------------------------------------------------------------------------------------------
# iterative_error_bound
# ----------------------------------------------------------------------------------------------------------------
_BOUND_CHECKS = '''
    if L < 0 or mu < 0 or a0 < 0 or k < 0:
        raise ValueError(f"参数不能为负：L={L}, mu={mu}, a0={a0}, k={k}")
'''

ITERATIVE_ERROR_BOUND_WRONG = {
    # Closed form only: ZeroDivisionError at L = 1.
    "closed_form_divides_by_zero": '''
def iterative_error_bound(L, mu, a0, k):
''' + _BOUND_CHECKS + '''
    return float(a0 * L ** k + mu * (L ** k - 1) / (L - 1))
''',
    # Handles L = 1 exactly, but the closed form loses about half of the significant digits near L = 1:
    # relative error about 5e-9 at L = 1 ± 1e-12, k = 10^4.
    "closed_form_cancellation": '''
def iterative_error_bound(L, mu, a0, k):
''' + _BOUND_CHECKS + '''
    if L == 1:
        return float(a0 + k * mu)
    return float(a0 * L ** k + mu * (L ** k - 1) / (L - 1))
''',
    # Treats every L within 1e-6 of 1 as L = 1: wrong by 5e-5 (relative) at L = 1 + 1e-7, k = 1000.
    "snaps_near_one": '''
def iterative_error_bound(L, mu, a0, k):
''' + _BOUND_CHECKS + '''
    if abs(L - 1) < 1e-6:
        return float(a0 + k * mu)
    return float(a0 * L ** k + mu * (L ** k - 1) / (L - 1))
''',
    # Off by one: sums j = 0..k instead of j = 0..k−1.
    "sum_has_k_plus_one_terms": '''
def iterative_error_bound(L, mu, a0, k):
''' + _BOUND_CHECKS + '''
    return float(a0 * L ** k + mu * sum(L ** j for j in range(k + 1)))
''',
    # Forgets that the initial error is amplified too.
    "a0_not_amplified": '''
def iterative_error_bound(L, mu, a0, k):
''' + _BOUND_CHECKS + '''
    return float(a0 + mu * sum(L ** j for j in range(k)))
''',
    # No input check: negative arguments return a number.
    "no_negative_check": '''
def iterative_error_bound(L, mu, a0, k):
    bound = float(a0)
    for _ in range(k):
        bound = L * bound + mu
    return float(bound)
''',
    # Returns an int for integer arguments.
    "returns_int": '''
def iterative_error_bound(L, mu, a0, k):
''' + _BOUND_CHECKS + '''
    bound = a0
    for _ in range(k):
        bound = L * bound + mu
    return bound
''',
}

ITERATIVE_ERROR_BOUND_CORRECT = {
    # Iterates the recurrence a_{j+1} = L·a_j + μ (Horner): no cancellation, exact at L = 1.
    "horner_loop": '''
def iterative_error_bound(L, mu, a0, k):
    """直接迭代递推式。"""
    for name, value in {"L": L, "mu": mu, "a0": a0, "k": k}.items():
        if value < 0:
            raise ValueError(f"{name} 不能为负，收到 {value}")
    a = float(a0)
    for _ in range(k):
        a = L * a + mu
    return a
''',
    # Sums the powers explicitly with math.fsum.
    "fsum_of_powers": '''
def iterative_error_bound(L, mu, a0, k):
    """逐项求和。"""
    if min(L, mu, a0, k) < 0:
        raise ValueError("L、mu、a0、k 都必须 ≥ 0")
    return float(a0 * L ** k + mu * math.fsum(L ** j for j in range(k)))
''',
}

# ----------------------------------------------------------------------------------------------------------------
# rollout
# ----------------------------------------------------------------------------------------------------------------
ROLLOUT_WRONG = {
    # Feeds the initial state every time instead of the previous prediction.
    "no_feedback": '''
def rollout(step_fn, x0, steps):
    if steps < 0:
        raise ValueError("steps 不能为负")
    x0 = np.asarray(x0, dtype=np.float64)
    return np.stack([x0] + [np.asarray(step_fn(x0), dtype=np.float64) for _ in range(steps)])
''',
    # Leaves out x0: returns only the predictions.
    "missing_x0": '''
def rollout(step_fn, x0, steps):
    if steps < 0:
        raise ValueError("steps 不能为负")
    x = np.asarray(x0, dtype=np.float64)
    out = []
    for _ in range(steps):
        x = np.asarray(step_fn(x), dtype=np.float64)
        out.append(x)
    return np.array(out, dtype=np.float64)
''',
    # One step too many.
    "one_extra_step": '''
def rollout(step_fn, x0, steps):
    if steps < 0:
        raise ValueError("steps 不能为负")
    x = np.asarray(x0, dtype=np.float64)
    out = [x]
    for _ in range(steps + 1):
        x = np.asarray(step_fn(x), dtype=np.float64)
        out.append(x)
    return np.stack(out)
''',
    # Returns a Python list.
    "returns_list": '''
def rollout(step_fn, x0, steps):
    if steps < 0:
        raise ValueError("steps 不能为负")
    out = [x0]
    for _ in range(steps):
        out.append(step_fn(out[-1]))
    return out
''',
    # Keeps the dtype of x0, so an integer start gives an integer array.
    "keeps_integer_dtype": '''
def rollout(step_fn, x0, steps):
    if steps < 0:
        raise ValueError("steps 不能为负")
    out = [np.asarray(x0)]
    for _ in range(steps):
        out.append(np.asarray(step_fn(out[-1])))
    return np.stack(out)
''',
}

ROLLOUT_CORRECT = {
    # Preallocates the trajectory array.
    "preallocated": '''
def rollout(step_fn, x0, steps):
    """预先分配轨迹数组。"""
    if steps < 0:
        raise ValueError(f"steps 必须 ≥ 0，收到 {steps}")
    x0 = np.asarray(x0, dtype=np.float64)
    trajectory = np.empty((steps + 1,) + x0.shape, dtype=np.float64)
    trajectory[0] = x0
    for j in range(steps):
        trajectory[j + 1] = step_fn(trajectory[j].copy())
    return trajectory
''',
}

# ----------------------------------------------------------------------------------------------------------------
# beam_search
# ----------------------------------------------------------------------------------------------------------------
_BEAM_CHECKS = '''
    if beam_size < 1 or max_len < 1:
        raise ValueError("beam_size 和 max_len 必须 ≥ 1")
'''

BEAM_SEARCH_WRONG = {
    # Ignores beam_size: greedy decoding.
    "greedy_only": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    tokens, score = (bos,), 0.0
    while len(tokens) <= max_len and tokens[-1] != eos:
        log_p = np.asarray(step_log_probs(tokens))
        best = int(np.argmax(log_p))
        tokens, score = tokens + (best,), score + float(log_p[best])
    return tokens, score
''',
    # Ranks finished hypotheses by the mean log-probability per token (length normalisation).
    "length_normalised": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    live, finished = [((bos,), 0.0)], []
    for _ in range(max_len):
        candidates = [(t + (v,), s + float(lp)) for t, s in live for v, lp in enumerate(step_log_probs(t))]
        candidates.sort(key=lambda c: c[1], reverse=True)
        kept = candidates[:beam_size]
        finished += [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        if not live:
            break
    finished += live
    return max(finished, key=lambda c: c[1] / (len(c[0]) - 1))
''',
    # Keeps eos hypotheses alive and extends them further.
    "extends_finished": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    beam = [((bos,), 0.0)]
    for _ in range(max_len):
        candidates = [(t + (v,), s + float(lp)) for t, s in beam for v, lp in enumerate(step_log_probs(t))]
        candidates.sort(key=lambda c: c[1], reverse=True)
        beam = candidates[:beam_size]
    return max(beam, key=lambda c: c[1])
''',
    # Runs one step too many: bos is followed by up to max_len + 1 tokens.
    "max_len_off_by_one": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    live, finished = [((bos,), 0.0)], []
    for _ in range(max_len + 1):
        candidates = [(t + (v,), s + float(lp)) for t, s in live for v, lp in enumerate(step_log_probs(t))]
        candidates.sort(key=lambda c: c[1], reverse=True)
        kept = candidates[:beam_size]
        finished += [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        if not live:
            break
    finished += live
    return max(finished, key=lambda c: c[1])
''',
    # Forgets the live hypotheses at max_len: only eos-terminated ones can be returned.
    "drops_live_at_max_len": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    live, finished = [((bos,), 0.0)], []
    for _ in range(max_len):
        candidates = [(t + (v,), s + float(lp)) for t, s in live for v, lp in enumerate(step_log_probs(t))]
        candidates.sort(key=lambda c: c[1], reverse=True)
        kept = candidates[:beam_size]
        finished += [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        if not live:
            break
    return max(finished, key=lambda c: c[1])
''',
    # Keeps beam_size children for every live hypothesis instead of beam_size candidates in total.
    "prunes_per_parent_only": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    live, finished = [((bos,), 0.0)], []
    for _ in range(max_len):
        kept = []
        for t, s in live:
            log_p = np.asarray(step_log_probs(t))
            for v in np.argsort(-log_p)[:beam_size]:
                kept.append((t + (int(v),), s + float(log_p[v])))
        finished += [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        if not live:
            break
    finished += live
    return max(finished, key=lambda c: c[1])
''',
    # Multiplies probabilities instead of summing log-probabilities for the returned score.
    "score_is_probability": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    live, finished = [((bos,), 0.0)], []
    for _ in range(max_len):
        candidates = [(t + (v,), s + float(lp)) for t, s in live for v, lp in enumerate(step_log_probs(t))]
        candidates.sort(key=lambda c: c[1], reverse=True)
        kept = candidates[:beam_size]
        finished += [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        if not live:
            break
    finished += live
    tokens, score = max(finished, key=lambda c: c[1])
    return tokens, math.exp(score)
''',
    # Returns the tokens without bos.
    "drops_bos": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    live, finished = [((bos,), 0.0)], []
    for _ in range(max_len):
        candidates = [(t + (v,), s + float(lp)) for t, s in live for v, lp in enumerate(step_log_probs(t))]
        candidates.sort(key=lambda c: c[1], reverse=True)
        kept = candidates[:beam_size]
        finished += [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        if not live:
            break
    finished += live
    tokens, score = max(finished, key=lambda c: c[1])
    return tokens[1:], score
''',
    # Passes the prefix as a list instead of a tuple.
    "prefix_as_list": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
''' + _BEAM_CHECKS + '''
    live, finished = [([bos], 0.0)], []
    for _ in range(max_len):
        candidates = [(t + [v], s + float(lp)) for t, s in live for v, lp in enumerate(step_log_probs(t))]
        candidates.sort(key=lambda c: c[1], reverse=True)
        kept = candidates[:beam_size]
        finished += [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        if not live:
            break
    finished += live
    tokens, score = max(finished, key=lambda c: c[1])
    return tuple(tokens), score
''',
}

BEAM_SEARCH_CORRECT = {
    # heapq.nlargest over all candidates, numpy arrays of scores, finished kept in a dict.
    "heapq_nlargest": '''
import heapq


def beam_search(step_log_probs, bos, eos, beam_size, max_len):
    """heapq 写法。"""
    if beam_size < 1 or max_len < 1:
        raise ValueError(f"beam_size 与 max_len 必须为正，收到 {beam_size}、{max_len}")
    beam = {(bos,): 0.0}
    done = {}
    step = 0
    while beam and step < max_len:
        step += 1
        pool = []
        for prefix, total in beam.items():
            log_p = np.asarray(step_log_probs(prefix), dtype=float)
            pool.extend((total + log_p[v], prefix + (v,)) for v in range(log_p.shape[0]))
        best = heapq.nlargest(beam_size, pool, key=lambda item: item[0])
        beam = {}
        for total, tokens in best:
            if tokens[-1] == eos:
                done[tokens] = float(total)
            else:
                beam[tokens] = float(total)
    done.update(beam)
    tokens = max(done, key=done.get)
    return tokens, done[tokens]
''',
    # Per-parent top-k followed by a global top-k: the same candidates survive as with a global top-k.
    "per_parent_then_global": '''
def beam_search(step_log_probs, bos, eos, beam_size, max_len):
    """先在每个父假设内取前 beam_size 个，再在全体中取前 beam_size 个。"""
    if beam_size < 1 or max_len < 1:
        raise ValueError("beam_size 与 max_len 必须 ≥ 1")
    live, finished = [((bos,), 0.0)], []
    for _ in range(max_len):
        pool = []
        for tokens, score in live:
            log_p = np.asarray(step_log_probs(tokens), dtype=np.float64)
            for v in np.argsort(-log_p, kind="stable")[:beam_size]:
                pool.append((tokens + (int(v),), score + float(log_p[v])))
        pool = sorted(pool, key=lambda c: -c[1])[:beam_size]
        finished.extend(c for c in pool if c[0][-1] == eos)
        live = [c for c in pool if c[0][-1] != eos]
        if not live:
            break
    return max(finished + live, key=lambda c: c[1])
''',
}

# ----------------------------------------------------------------------------------------------------------------
# entropy_matching_loss
# ----------------------------------------------------------------------------------------------------------------
_XLOGY = '''
    def xlogy(x, y):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)
'''

ENTROPY_MATCHING_LOSS_WRONG = {
    # Base-2 logarithms.
    "log2_bits": '''
def entropy_matching_loss(q, p_hat, alpha):
    q, p = np.asarray(q, dtype=float), np.asarray(p_hat, dtype=float)

    def xlogy(x, y):
        return np.where(x > 0, x * np.log2(np.where(x > 0, y, 1.0)), 0.0)

    H_p, H_q = -xlogy(p, p).sum(axis=1), -xlogy(q, q).sum(axis=1)
    return float(-xlogy(q, p).sum() + alpha * np.sum((H_p - H_q) ** 2))
''',
    # Absolute difference instead of the square.
    "missing_square": '''
def entropy_matching_loss(q, p_hat, alpha):
    q, p = np.asarray(q, dtype=float), np.asarray(p_hat, dtype=float)
''' + _XLOGY + '''
    H_p, H_q = -xlogy(p, p).sum(axis=1), -xlogy(q, q).sum(axis=1)
    return float(-xlogy(q, p).sum() + alpha * np.sum(np.abs(H_p - H_q)))
''',
    # Mean over t instead of the sum.
    "mean_over_t": '''
def entropy_matching_loss(q, p_hat, alpha):
    q, p = np.asarray(q, dtype=float), np.asarray(p_hat, dtype=float)
''' + _XLOGY + '''
    H_p, H_q = -xlogy(p, p).sum(axis=1), -xlogy(q, q).sum(axis=1)
    return float(-xlogy(q, p).sum(axis=1).mean() + alpha * np.mean((H_p - H_q) ** 2))
''',
    # Naive q·log p̂: 0·log 0 = nan and a RuntimeWarning.
    "naive_zero_log_zero": '''
def entropy_matching_loss(q, p_hat, alpha):
    q, p = np.asarray(q, dtype=float), np.asarray(p_hat, dtype=float)
    H_p, H_q = -(p * np.log(p)).sum(axis=1), -(q * np.log(q)).sum(axis=1)
    return float(-(q * np.log(p)).sum() + alpha * np.sum((H_p - H_q) ** 2))
''',
    # Squares the difference of the summed entropies instead of summing the squared differences.
    "square_of_sum": '''
def entropy_matching_loss(q, p_hat, alpha):
    q, p = np.asarray(q, dtype=float), np.asarray(p_hat, dtype=float)
''' + _XLOGY + '''
    H_p, H_q = -xlogy(p, p).sum(axis=1), -xlogy(q, q).sum(axis=1)
    return float(-xlogy(q, p).sum() + alpha * (H_p.sum() - H_q.sum()) ** 2)
''',
    # Cross-entropy with the arguments swapped: −Σ p̂ ln q.
    "cross_entropy_reversed": '''
def entropy_matching_loss(q, p_hat, alpha):
    q, p = np.asarray(q, dtype=float), np.asarray(p_hat, dtype=float)
''' + _XLOGY + '''
    H_p, H_q = -xlogy(p, p).sum(axis=1), -xlogy(q, q).sum(axis=1)
    return float(-xlogy(p, q).sum() + alpha * np.sum((H_p - H_q) ** 2))
''',
}

ENTROPY_MATCHING_LOSS_CORRECT = {
    # torch.special.xlogy in float64.
    "torch_xlogy": '''
def entropy_matching_loss(q, p_hat, alpha):
    """torch.special.xlogy 写法。"""
    q_t = torch.as_tensor(np.asarray(q), dtype=torch.float64)
    p_t = torch.as_tensor(np.asarray(p_hat), dtype=torch.float64)
    ce = -torch.special.xlogy(q_t, p_t).sum()
    H_p = -torch.special.xlogy(p_t, p_t).sum(dim=1)
    H_q = -torch.special.xlogy(q_t, q_t).sum(dim=1)
    return (ce + alpha * torch.sum((H_p - H_q) ** 2)).item()
''',
    # A loop over time steps with masked logarithms.
    "loop_over_steps": '''
def entropy_matching_loss(q, p_hat, alpha):
    """逐个时间步累加。"""
    total = 0.0
    for q_t, p_t in zip(np.asarray(q, dtype=float), np.asarray(p_hat, dtype=float)):
        support_q = q_t > 0
        support_p = p_t > 0
        ce_t = -np.sum(q_t[support_q] * np.log(p_t[support_q]))
        H_p = -np.sum(p_t[support_p] * np.log(p_t[support_p]))
        H_q = -np.sum(q_t[support_q] * np.log(q_t[support_q]))
        total += ce_t + alpha * (H_p - H_q) ** 2
    return float(total)
''',
}

WRONG_ANSWERS = {
    "iterative_error_bound": ITERATIVE_ERROR_BOUND_WRONG,
    "rollout": ROLLOUT_WRONG,
    "beam_search": BEAM_SEARCH_WRONG,
    "entropy_matching_loss": ENTROPY_MATCHING_LOSS_WRONG,
}

CORRECT_VARIANTS = {
    "iterative_error_bound": ITERATIVE_ERROR_BOUND_CORRECT,
    "rollout": ROLLOUT_CORRECT,
    "beam_search": BEAM_SEARCH_CORRECT,
    "entropy_matching_loss": ENTROPY_MATCHING_LOSS_CORRECT,
}
