"""Wrong and correct answers for the graded cells of a2_gradients_memory.

Each value is the full source of a solution cell. Every WRONG_ANSWERS entry must fail at least one test cell
of its own function and no test cell of another function; every CORRECT_VARIANTS entry must pass all test cells.
"""

# ----------------------------------------------------------------------------------------------------------------
# is_balanced
# ----------------------------------------------------------------------------------------------------------------
_ONLY_PARENTHESES = '''
    for position, symbol in enumerate(s):
        if symbol not in "()":
            raise ValueError(f"第 {position} 个字符 {symbol!r} 不是括号")
'''

IS_BALANCED_WRONG = {
    # Equal counts are not enough: ")(" has equal counts but underflows.
    "counts_only": '''
def is_balanced(s):''' + _ONLY_PARENTHESES + '''
    return s.count("(") == s.count(")")
''',
    # Catches underflow but forgets that a non-empty stack at the end means unmatched "(".
    "no_final_check": '''
def is_balanced(s):''' + _ONLY_PARENTHESES + '''
    stack = []
    for symbol in s:
        if symbol == "(":
            stack.append(symbol)
        elif not stack:
            return False
        else:
            stack.pop()
    return True
''',
    # Recursive descent: correct on short strings, RecursionError at nesting depth 10 000.
    "recursive_descent": '''
def is_balanced(s):''' + _ONLY_PARENTHESES + '''
    def parse(position):
        while position < len(s) and s[position] == "(":
            position = parse(position + 1)
            if position >= len(s) or s[position] != ")":
                raise LookupError
            position += 1
        return position

    try:
        return parse(0) == len(s)
    except LookupError:
        return False
''',
    # Skips characters other than parentheses instead of raising ValueError.
    "ignores_other_characters": '''
def is_balanced(s):
    stack = []
    for symbol in s:
        if symbol == "(":
            stack.append(symbol)
        elif symbol == ")":
            if not stack:
                return False
            stack.pop()
    return not stack
''',
    # Returns the stack depth as an int (0 means balanced) instead of a bool.
    "returns_int": '''
def is_balanced(s):''' + _ONLY_PARENTHESES + '''
    stack = []
    for symbol in s:
        if symbol == "(":
            stack.append(symbol)
        elif not stack:
            return 0
        else:
            stack.pop()
    return int(len(stack) == 0)
''',
}

IS_BALANCED_CORRECT = {
    # A depth counter is a stack whose entries are all "(".
    "depth_counter": '''
def is_balanced(s):
    if set(s) - {"(", ")"}:
        raise ValueError(f"s 只能包含括号，收到 {sorted(set(s) - {'(', ')'})}")
    depth = 0
    for symbol in s:
        depth += 1 if symbol == "(" else -1
        if depth < 0:
            return False
    return depth == 0
''',
    # collections.deque as the stack, storing the position of each "(".
    "deque_positions": '''
def is_balanced(s):
    from collections import deque

    stack = deque()
    for position, symbol in enumerate(s):
        if symbol not in "()":
            raise ValueError(f"位置 {position} 的字符 {symbol!r} 无效")
    for position, symbol in enumerate(s):
        if symbol == "(":
            stack.append(position)
        else:
            try:
                stack.pop()
            except IndexError:
                return False
    return len(stack) == 0
''',
}

# ----------------------------------------------------------------------------------------------------------------
# linear_rnn_grad_final
# ----------------------------------------------------------------------------------------------------------------
GRAD_FINAL_WRONG = {
    # Drops the h_T factor: a^(T-t) is only ∂h_T/∂h_t.
    "missing_h_T_factor": '''
def linear_rnn_grad_final(a, h0, T):
    t = np.arange(1, T + 1)
    return np.power(float(a), T - t)
''',
    # Exponent off by one: h_T·a^(T-t+1).
    "exponent_off_by_one": '''
def linear_rnn_grad_final(a, h0, T):
    t = np.arange(1, T + 1)
    return float(h0) * float(a) ** T * np.power(float(a), T - t + 1)
''',
    # Element 0 is the gradient at t = T instead of t = 1.
    "reversed_order": '''
def linear_rnn_grad_final(a, h0, T):
    t = np.arange(1, T + 1)
    return (float(h0) * float(a) ** T * np.power(float(a), T - t))[::-1].copy()
''',
    # Integer inputs give an integer array.
    "integer_dtype": '''
def linear_rnn_grad_final(a, h0, T):
    return np.array([h0 * a ** (2 * T - t) for t in range(1, T + 1)])
''',
}

GRAD_FINAL_CORRECT = {
    # Backward recursion g_T = h_T, g_t = a·g_{t+1}.
    "backward_recursion": '''
def linear_rnn_grad_final(a, h0, T):
    a = float(a)
    grads = np.zeros(T)
    grads[-1] = h0 * a**T
    for index in range(T - 2, -1, -1):
        grads[index] = a * grads[index + 1]
    return grads
''',
    # Closed form h0·a^(2T-t) in a list comprehension of floats.
    "closed_form_floats": '''
def linear_rnn_grad_final(a, h0, T):
    return np.array([float(h0) * float(a) ** (2 * T - t) for t in range(1, T + 1)], dtype=float)
''',
}

# ----------------------------------------------------------------------------------------------------------------
# linear_rnn_grad_all
# ----------------------------------------------------------------------------------------------------------------
GRAD_ALL_WRONG = {
    # Only the direct term h_t: forgets the effect of h_t on later losses.
    "direct_term_only": '''
def linear_rnn_grad_all(a, h0, T):
    return float(h0) * np.power(float(a), np.arange(1, T + 1))
''',
    # Off by one: the sum starts at k = t + 1 and misses the loss at step t itself.
    "skips_current_term": '''
def linear_rnn_grad_all(a, h0, T):
    a, h0 = float(a), float(h0)
    return np.array([sum(h0 * a**k * a ** (k - t) for k in range(t + 1, T + 1)) for t in range(1, T + 1)],
                    dtype=float)
''',
    # Geometric-series formula without the a² = 1 case: 0/0 at a = ±1.
    "geometric_formula_divides_by_zero": '''
def linear_rnn_grad_all(a, h0, T):
    a, h0 = float(a), float(h0)
    t = np.arange(1, T + 1)
    return h0 * a**t * (1 - a ** (2 * (T - t + 1))) / (1 - a**2)
''',
    # Accumulates in the wrong direction: sums the past states instead of the future ones.
    "accumulates_past": '''
def linear_rnn_grad_all(a, h0, T):
    h = float(h0) * np.power(float(a), np.arange(1, T + 1))
    grads = np.empty(T)
    total = 0.0
    for index in range(T):
        total = h[index] + float(a) * total
        grads[index] = total
    return grads
''',
}

GRAD_ALL_CORRECT = {
    # Geometric series with the a² = 1 case handled separately.
    "geometric_formula_with_special_case": '''
def linear_rnn_grad_all(a, h0, T):
    a, h0 = float(a), float(h0)
    t = np.arange(1, T + 1)
    if a * a == 1.0:
        return h0 * a**t * (T - t + 1)
    return h0 * a**t * (1 - a ** (2 * (T - t + 1))) / (1 - a * a)
''',
    # Direct double sum over k ≥ t.
    "double_sum": '''
def linear_rnn_grad_all(a, h0, T):
    a, h0 = float(a), float(h0)
    h = [h0 * a**k for k in range(T + 1)]
    return np.array([sum(h[k] * a ** (k - t) for k in range(t, T + 1)) for t in range(1, T + 1)])
''',
}

# ----------------------------------------------------------------------------------------------------------------
# tbptt_min_window
# ----------------------------------------------------------------------------------------------------------------
_POSITIVE_ARGUMENTS = '''
    for name, value in (("I0", I0), ("decay_rate", decay_rate), ("delta", delta)):
        if value <= 0:
            raise ValueError(f"{name} 必须为正数，收到 {value}")
'''

TBPTT_WINDOW_WRONG = {
    # math.ceil without the 1e-9 tolerance: ln 125 / ln 5 = 3.0000000000000004 becomes 4.
    "ceil_without_tolerance": '''
def tbptt_min_window(I0, decay_rate, delta):''' + _POSITIVE_ARGUMENTS + '''
    return max(0, math.ceil(math.log(I0 / delta) / decay_rate))
''',
    # Truncates towards zero instead of rounding up.
    "floor_instead_of_ceil": '''
def tbptt_min_window(I0, decay_rate, delta):''' + _POSITIVE_ARGUMENTS + '''
    return max(0, int(math.log(I0 / delta) / decay_rate))
''',
    # np.ceil returns a NumPy float, not an int.
    "returns_numpy_float": '''
def tbptt_min_window(I0, decay_rate, delta):''' + _POSITIVE_ARGUMENTS + '''
    return max(0.0, np.ceil(np.log(I0 / delta) / decay_rate - 1e-9))
''',
    # No clamp at 0: I0 < delta gives a negative window.
    "negative_not_clamped": '''
def tbptt_min_window(I0, decay_rate, delta):''' + _POSITIVE_ARGUMENTS + '''
    return math.ceil(math.log(I0 / delta) / decay_rate - 1e-9)
''',
    # No argument checks: decay_rate = 0 raises ZeroDivisionError, and negative I0 and delta pass.
    "arguments_not_checked": '''
def tbptt_min_window(I0, decay_rate, delta):
    return max(0, math.ceil(math.log(I0 / delta) / decay_rate - 1e-9))
''',
}

TBPTT_WINDOW_CORRECT = {
    # Counts up until the remaining log-ratio is within the tolerance.
    "counting_loop": '''
def tbptt_min_window(I0, decay_rate, delta):
    if min(I0, decay_rate, delta) <= 0:
        raise ValueError(f"参数必须为正数，收到 I0={I0}, decay_rate={decay_rate}, delta={delta}")
    bound = math.log(I0 / delta) / decay_rate
    K = 0
    while K < bound - 1e-9:
        K += 1
    return K
''',
    # NumPy arithmetic converted back to a Python int.
    "numpy_then_int": '''
def tbptt_min_window(I0, decay_rate, delta):''' + _POSITIVE_ARGUMENTS + '''
    K = np.ceil((np.log(I0) - np.log(delta)) / decay_rate - 1e-9)
    return int(max(K, 0.0))
''',
}

# ----------------------------------------------------------------------------------------------------------------
# truncated_bptt_grads
# ----------------------------------------------------------------------------------------------------------------
_TBPTT_HEAD = '''
def truncated_bptt_grads(x, w_x, w_h, h0, K):
    if K < 1:
        raise ValueError(f"K 必须是正整数，收到 {K}")
    x = x.detach().clone().requires_grad_(True)
    w_h = torch.tensor(float(w_h), dtype=torch.float64, requires_grad=True)
    h_t = torch.tensor(float(h0), dtype=torch.float64)
    T = x.shape[0]
'''
_TBPTT_TAIL = '''
    grad_w_h, grad_x = torch.autograd.grad(0.5 * h_t**2, (w_h, x))
    return grad_w_h.item(), grad_x
'''

TBPTT_GRADS_WRONG = {
    # Never detaches: full BPTT for every K.
    "no_truncation": _TBPTT_HEAD + '''
    for t in range(T):
        h_t = torch.tanh(w_x * x[t] + w_h * h_t)
''' + _TBPTT_TAIL,
    # Detaches at every step, as if K were 1.
    "detach_every_step": _TBPTT_HEAD + '''
    for t in range(T):
        h_t = torch.tanh(w_x * x[t] + w_h * h_t.detach())
''' + _TBPTT_TAIL,
    # Counts the windows from the end, so the last window always has K steps.
    "windows_counted_from_end": _TBPTT_HEAD + '''
    for t in range(T):
        if t == T - K:
            h_t = h_t.detach()
        h_t = torch.tanh(w_x * x[t] + w_h * h_t)
''' + _TBPTT_TAIL,
    # Window boundaries one step late: detaches before steps 2, K+2, 2K+2, …
    "boundary_off_by_one": _TBPTT_HEAD + '''
    for t in range(T):
        if t > 0 and (t - 1) % K == 0:
            h_t = h_t.detach()
        h_t = torch.tanh(w_x * x[t] + w_h * h_t)
''' + _TBPTT_TAIL,
    # Right numbers, but grad_w_h comes back as a 0-dim tensor instead of a float.
    "returns_tensor_for_w_h": _TBPTT_HEAD + '''
    for t in range(T):
        if t > 0 and t % K == 0:
            h_t = h_t.detach()
        h_t = torch.tanh(w_x * x[t] + w_h * h_t)
    grad_w_h, grad_x = torch.autograd.grad(0.5 * h_t**2, (w_h, x))
    return grad_w_h, grad_x
''',
}

TBPTT_GRADS_CORRECT = {
    # Outer loop over windows, inner loop over steps; gradients through backward() and .grad.
    "window_loops_backward": '''
def truncated_bptt_grads(x, w_x, w_h, h0, K):
    if not isinstance(K, int) or K < 1:
        raise ValueError(f"K 必须是正整数，收到 {K!r}")
    x_leaf = x.detach().clone().to(torch.float64).requires_grad_()
    w_h_leaf = torch.tensor(w_h, dtype=torch.float64, requires_grad=True)
    h_t = torch.tensor(h0, dtype=torch.float64)
    for start in range(0, len(x_leaf), K):
        h_t = h_t.detach()
        for t in range(start, min(start + K, len(x_leaf))):
            h_t = torch.tanh(w_x * x_leaf[t] + w_h_leaf * h_t)
    (0.5 * h_t * h_t).backward()
    return float(w_h_leaf.grad), x_leaf.grad
''',
}

WRONG_ANSWERS = {
    "is_balanced": IS_BALANCED_WRONG,
    "linear_rnn_grad_final": GRAD_FINAL_WRONG,
    "linear_rnn_grad_all": GRAD_ALL_WRONG,
    "tbptt_min_window": TBPTT_WINDOW_WRONG,
    "truncated_bptt_grads": TBPTT_GRADS_WRONG,
}

CORRECT_VARIANTS = {
    "is_balanced": IS_BALANCED_CORRECT,
    "linear_rnn_grad_final": GRAD_FINAL_CORRECT,
    "linear_rnn_grad_all": GRAD_ALL_CORRECT,
    "tbptt_min_window": TBPTT_WINDOW_CORRECT,
    "truncated_bptt_grads": TBPTT_GRADS_CORRECT,
}
