# %% [markdown]
# ## 2 表达能力：有限状态与栈（expressivity）<a id="sec-expressivity"></a>
#
# 标准 RNN 的全部记忆（memory）就是固定大小的向量 $h_t$，按固定规则 $h_t = f(h_{t-1}, x_t)$ 更新。
# 如果 $h_t$ 的分量是任意精度的实数，理论上它能编码整个过去；但实际计算总在有限精度下进行（例如 float32），
# $h_t$ 只能取有限多个值，于是整个 RNN 就是一台
# **有限状态自动机**（finite-state automaton，FSA）：状态是 $h_t$ 的所有可能取值，转移是 $f$。
# 有限状态自动机恰好能识别**正则语言**（regular languages）。
#
# **平衡括号**（如 `(()())`）不是正则语言，而是**上下文无关语言**（context-free language）。
# 用鸽巢原理可以说清原因：假设某台自动机只有 $N$ 个状态，读入 $\texttt{(}^0, \texttt{(}^1, \dots, \texttt{(}^N$
# 这 $N+1$ 个前缀后必有两个前缀 $\texttt{(}^i$ 与 $\texttt{(}^j$（$i \ne j$）到达同一状态。
# 之后再读 $\texttt{)}^i$，两者的结局相同；可是 $\texttt{(}^i\texttt{)}^i$ 平衡而 $\texttt{(}^j\texttt{)}^i$ 不平衡，矛盾。
# 所以任何固定大小、有限精度的隐藏状态，在嵌套足够深时必然出错。
#
# 平衡的定义有两条：任一前缀中 `)` 的个数不超过 `(`，且总数相等。下面用一个“计数器”RNN 看它怎样违反这两条。

# %% [markdown]
# ### 2.1 tanh 计数器
#
# 取标量状态 $h_t = \tanh(w_x x_t + w_h h_{t-1})$，$h_0 = 0$，`(` 编码为 $x_t = +1$，`)` 编码为 $x_t = -1$。
# 当 $w_x$ 较小、$w_h = 1$ 时，$\tanh$ 工作在近似线性的区间，$h_t \approx w_x \cdot (\text{已读 `(` 数} - \text{已读 `)` 数})$，
# 像一个计数器：平衡串的终值应当接近 0。这里取 $w_x = 0.1$、$w_h = 1$，并把 $|h_T| < 0.01$ 当作“判为平衡”。

# %%
from rnn_course.memory import (COUNTER_INPUT_WEIGHT, COUNTER_RECURRENT_WEIGHT, COUNTER_ZERO_TOLERANCE,
                               counter_depth_states, counter_rnn_trace, nested_parentheses, stack_trace)

print(f"w_x = {COUNTER_INPUT_WEIGHT}, w_h = {COUNTER_RECURRENT_WEIGHT}, 判为平衡的阈值 |h_T| < {COUNTER_ZERO_TOLERANCE}")
for text in ["()", ")(", "(()", "(()())"]:
    h = counter_rnn_trace(text)
    print(f"{text:>8}:  h_t = {np.array2string(h, precision=4)},  |h_T| < 阈值: {abs(h[-1]) < COUNTER_ZERO_TOLERANCE}")

# %% [markdown]
# `)(` 的终值是 $+3.3\times10^{-4}$，与平衡串 `()` 的 $-3.3\times10^{-4}$ 大小相同，计数器把它判为平衡；
# 它只看最终的“净计数”，看不到第一步就违反了前缀条件。
#
# ### 2.2 饱和：深度 $n$ 与 $n+1$ 变得无法区分
#
# 读入 $n$ 个 `(` 后的状态记为 $h(n)$。若计数器真能计数，$h(n)$ 应随 $n$ 线性增长；
# 但 $\tanh$ 有界，$h(n)$ 收敛到不动点 $h^\ast = \tanh(w_x + h^\ast)$，相邻深度的差距 $h(n+1) - h(n)$ 趋于 0。

# %%
max_depth = 60
h64 = counter_depth_states(max_depth)                        # float64，h(0) … h(60)
h32 = counter_depth_states(max_depth, dtype=torch.float32)   # 同样的递推，float32 精度
gaps = np.diff(h64)
print(" 深度 n    h(n)        h(n+1) − h(n)")
for n in [1, 2, 5, 10, 15, 20, 30, 40, 50]:
    print(f"{n:6d}   {h64[n]:.10f}   {gaps[n]:.3e}")
first_equal = int(np.argmax(np.diff(h32) == 0.0)) + 1
print(f"float32 下 h({first_equal}) 与 h({first_equal - 1}) 的每一位都相同")

# %% [markdown]
# 差距从 $n=1$ 时的约 0.1 缩到 $n=30$ 时的 $10^{-6}$ 以下，$n \ge 10$ 之后大约每 5 层缩小一个数量级；
# 在 float32 下，深度 37 与 36 的状态逐位相同，这台 RNN 名副其实地只剩有限个状态。

# %%
fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
weights_label = f"w_x = {COUNTER_INPUT_WEIGHT}，w_h = {COUNTER_RECURRENT_WEIGHT}（float64）"
ax[0].plot(np.arange(max_depth + 1), h64, marker=".", label=weights_label)
ax[0].set(title="读入 n 个 '(' 后的计数器状态", xlabel="嵌套深度 n", ylabel="h(n)")
ax[1].semilogy(np.arange(max_depth), np.abs(gaps), marker=".", label=weights_label)
ax[1].set(title="相邻深度的状态差", xlabel="嵌套深度 n", ylabel="|h(n+1) − h(n)|（对数轴）")
for axis in ax:
    axis.legend()
    axis.grid(alpha=0.3)
plt.tight_layout()
plt.show()

# %% [markdown]
# 左图在 $n \approx 15$ 之后变平，右图的差距按指数下降：状态不再携带“还有几个括号没闭合”的信息。
# 这也体现在判断上：对平衡串 $\texttt{(}^n\texttt{)}^n$，计数器的终值随 $n$ 变大而远离 0。

# %%
for depth in [1, 2, 3, 5, 10, 20, 60]:
    h_T = counter_rnn_trace(nested_parentheses(depth))[-1]
    print(f"深度 {depth:2d} 的平衡串:  h_T = {h_T:+.4f}   计数器判为平衡: {abs(h_T) < COUNTER_ZERO_TOLERANCE}")

# %% [markdown]
# 深度 3 起计数器就把平衡串判为不平衡：关括号从饱和值出发往回减，回不到 0。
# 换用别的 $w_x, w_h$ 只能移动出错的深度，鸽巢原理保证总存在出错的深度。
#
# ### 2.3 栈增强的识别器
#
# 给模型一个外部的**栈**（stack）：读到 `(` 压栈（push），读到 `)` 弹栈（pop）；
# 弹栈时栈已空称为**下溢**（underflow），立即拒绝；读完后栈非空也拒绝。
# 这正是一台**下推自动机**（pushdown automaton，PDA），它的计算能力与上下文无关语言相匹配。
# 栈增强 RNN（stack-augmented RNN）就是让循环单元学会控制这样一个栈。

# %%
for text in [")(", "(()", "(()())", "())(()", nested_parentheses(1000)]:
    trace = stack_trace(text)
    label = text if len(text) <= 10 else "'(' × 1000 + ')' × 1000"
    print(f"{label:>24}:  最大栈深 {trace.depths.max() if len(trace.depths) else 0:4d}   {trace.verdict}")

# %% [markdown]
# 栈深度是精确的整数，深度 1000 与 999 永远不同，所以识别器在任意深度都正确；`)(` 在第 1 步就因下溢被拒绝。
# 最后用穷举作独立检查：把长度不超过 10 的全部 2046 个括号串，与“前缀计数从不为负且终值为 0”的定义逐一比较。

# %%
from itertools import product


def prefix_counts(text):
    return np.cumsum([1 if symbol == "(" else -1 for symbol in text])


all_strings = ["".join(symbols) for length in range(1, 11) for symbols in product("()", repeat=length)]
counts = [prefix_counts(text) for text in all_strings]
truth = np.array([c.min() >= 0 and c[-1] == 0 for c in counts])
net_zero_negative_prefix = np.array([c[-1] == 0 and c.min() < 0 for c in counts])
stack_says = np.array([stack_trace(text).accepted for text in all_strings])
counter_says = np.array([abs(counter_rnn_trace(text)[-1]) < COUNTER_ZERO_TOLERANCE for text in all_strings])
assert np.array_equal(stack_says, truth), "栈识别器与平衡的定义不一致"
false_accept = counter_says & ~truth
print(f"串数 {len(all_strings)}，其中平衡 {truth.sum()} 个；栈识别器判错 {np.sum(stack_says != truth)} 个")
print(f"计数器判错 {np.sum(counter_says != truth)} 个：把不平衡判为平衡 {false_accept.sum()} 个"
      f"（其中净计数为 0 但某个前缀为负的 {np.sum(false_accept & net_zero_negative_prefix)} 个），"
      f"把平衡判为不平衡 {np.sum(~counter_says & truth)} 个")

# %% [markdown]
# 栈识别器在全部串上与定义一致。计数器的 246 个错误分成两类：212 个不平衡串净计数为 0、只是某个前缀为负（如 `)(`、`())(`），
# 计数器看不出前缀违例；另外 34 个是嵌套较深的平衡串，因为饱和而终值离 0 太远。
#
# 下面的控件可以输入任意括号串，或者拖动嵌套深度 $n$ 生成 $\texttt{(}^n\texttt{)}^n$，
# 对照计数器状态 $h_t$ 与栈深度逐步的变化。

# %%
from rnn_course.widgets.parentheses import parentheses_widget

parentheses_widget()

# %% [markdown]
# 结论：问题需要后进先出、深度不设上限的记忆时，加宽隐藏状态只能推迟失败；应当在架构上加入匹配的结构（这里是栈）。
