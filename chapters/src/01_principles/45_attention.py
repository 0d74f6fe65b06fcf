# %% [markdown]
# ## 6 注意力机制（attention mechanism）<a id="sec-attention"></a>
#
# 注意力不再要求编码器把一切压进一个向量，而是让解码器在每一步 $t$ 回看全部编码器状态，临时拼出自己需要的上下文。
# 用解码器状态 $q_t$ 作查询（query），与每个输入位置的键（key）$K_i$ 做点积，得到**注意力分数**（attention score），
# 再经 softmax 得到**注意力权重**（attention weights）：
#
# $$s_{t,i} = q_t^\top K_i,\qquad \alpha_{t,i} = \frac{\exp(s_{t,i})}{\sum_{j=1}^{T_x} \exp(s_{t,j})},\qquad c_t = \sum_{i=1}^{T_x} \alpha_{t,i}\, V_i .$$
#
# 权重非负且和为 1，所以 $c_t$ 是值向量（value）$V_i$ 的**凸组合**（convex combination），一定落在 $V_1, \dots, V_{T_x}$ 的凸包里。

# %%
torch.manual_seed(SEED)
T_x, d_k, d_v = 6, 4, 3
q_t = torch.randn(d_k, dtype=torch.float64)              # (d_k,)：一个解码步的查询
K = torch.randn(T_x, d_k, dtype=torch.float64)           # (T_x, d_k)：每个输入位置一个键
V = torch.randn(T_x, d_v, dtype=torch.float64)           # (T_x, d_v)：每个输入位置一个值
s_t = K @ q_t                                            # (T_x,)：未缩放的点积分数
alpha = torch.softmax(s_t, dim=0)                        # (T_x,)
c_t = alpha @ V                                          # (d_v,)
print("alpha =", alpha.numpy().round(4), " 和 =", alpha.sum().item())
reference = torch.nn.functional.scaled_dot_product_attention(q_t[None, None], K[None], V[None], scale=1.0)[0, 0]
assert torch.allclose(c_t, reference, rtol=1e-12, atol=1e-12), "与 PyTorch 的注意力实现不一致"
assert torch.all(alpha >= 0), "注意力权重出现了负数"
assert math.isclose(alpha.sum().item(), 1.0, abs_tol=1e-12), f"权重之和应为 1，实际为 {alpha.sum().item()}"
assert torch.all(c_t >= V.min(dim=0).values), "c_t 有坐标小于所有 V_i 的对应坐标"
assert torch.all(c_t <= V.max(dim=0).values), "c_t 有坐标大于所有 V_i 的对应坐标"
print("c_t =", c_t.numpy().round(4), " 与 scaled_dot_product_attention(scale=1) 一致，且每个坐标都在 V 的取值范围内")

# %% [markdown]
# 权重之和为 1（到舍入误差），$c_t$ 与 PyTorch 内置的 `scaled_dot_product_attention`（把缩放因子设为 1 即为未缩放的点积）一致；
# $c_t$ 的每个坐标都夹在各 $V_i$ 对应坐标的最小值与最大值之间，这是“落在凸包里”的一个必要条件，而 $\alpha$ 本身就是凸组合的系数。
#
# ### 6.1 权重泄漏的误差界（常见的讲法只给结论，这里补上推导）
#
# 设目标只依赖一个相关位置集合 $S$：$y^\ast = \sum_{i\in S} \beta_i V_i$，$\beta$ 是 $S$ 上的概率分布。
# 模型放在 $S$ 之外的权重记为泄漏量 $\varepsilon = \sum_{i\notin S} \alpha_i$。把误差拆成两部分：
#
# $$c - y^\ast = \underbrace{\sum_{i\notin S} \alpha_i V_i - \varepsilon\, y^\ast}_{\text{泄漏项}}
# \;+\; \underbrace{\sum_{i\in S} \big(\alpha_i - (1-\varepsilon)\beta_i\big) V_i}_{\text{S 内分配不准}} .$$
#
# 验证：两项相加，$-\varepsilon y^\ast - (1-\varepsilon) y^\ast = -y^\ast$，其余正好是 $\sum_i \alpha_i V_i = c$。
#
# - **泄漏项**：$\varepsilon\, y^\ast = \sum_{i\notin S}\alpha_i \sum_{j\in S}\beta_j V_j$，所以它等于
#   $\sum_{i\notin S}\sum_{j\in S} \alpha_i \beta_j (V_i - V_j)$，系数之和为 $\varepsilon$，
#   由三角不等式，范数 $\le \varepsilon\, D_{\text{out}}$，$D_{\text{out}} = \max_{i\notin S,\, j\in S}\lVert V_i - V_j\rVert$。
# - **S 内项**：系数 $r_i = \alpha_i - (1-\varepsilon)\beta_i$ 之和为 $(1-\varepsilon) - (1-\varepsilon) = 0$，
#   正部与负部各占 $\tfrac12\lVert r\rVert_1$，所以它是两个凸组合之差乘以 $\tfrac12\lVert r\rVert_1$，范数 $\le \tfrac12\lVert r\rVert_1 D_{\text{in}}$，
#   $D_{\text{in}} = \max_{i,j\in S}\lVert V_i - V_j\rVert$。
#
# 合起来：
#
# $$\lVert c - y^\ast\rVert \;\le\; \varepsilon\, D_{\text{out}} + \tfrac12 \big\lVert \alpha_S - (1-\varepsilon)\beta \big\rVert_1 D_{\text{in}}
# \;\le\; 2\varepsilon \max_i \lVert V_i\rVert + \big\lVert \alpha_S - (1-\varepsilon)\beta \big\rVert_1 \max_{i\in S}\lVert V_i\rVert .$$
#
# 特别地，若 $S$ 内的权重按 $\beta$ 分配（$\alpha_S / (1-\varepsilon) = \beta$），第二项为 0：
# $\lVert c - y^\ast\rVert = \varepsilon \lVert m_{\text{out}} - y^\ast\rVert \le \varepsilon D_{\text{out}} \le 2\varepsilon \max_i\lVert V_i\rVert$，
# 其中 $m_{\text{out}}$ 是 $S$ 外各 $V_i$ 按 $\alpha$ 归一化后的加权平均。误差与泄漏量 $\varepsilon$ 成正比。
#
# 下面在随机实例上检查这个界，并构造一个取等号的例子。

# %%
from rnn_course.attention import attention_error_check

check_rng = np.random.default_rng(SEED)
num_instances, worst_ratio, worst_simple_ratio = 2000, 0.0, 0.0
MEANINGFUL_BOUND = 1e-9   # 更小的界只剩舍入噪声，比值没有意义
for instance in range(num_instances):
    length, value_dim = int(check_rng.integers(2, 13)), int(check_rng.integers(1, 6))
    values = check_rng.normal(size=(length, value_dim)) * check_rng.uniform(0.1, 10)
    relevant = check_rng.random(length) < 0.4
    relevant[check_rng.integers(length)] = True               # S 非空
    beta = check_rng.dirichlet(np.ones(relevant.sum()))
    alpha = check_rng.dirichlet(np.full(length, 0.5))
    if instance % 2:                                         # 一半实例令 S 内按 β 分配
        alpha[relevant] = alpha[relevant].sum() * beta
    result = attention_error_check(alpha, values, relevant, beta)
    assert result.error <= result.bound + 1e-12, f"第 {instance} 个实例违反了误差界"
    assert result.bound <= result.max_norm_bound + 1e-12, f"第 {instance} 个实例违反了粗略的界"
    if result.bound > MEANINGFUL_BOUND:
        worst_ratio = max(worst_ratio, result.error / result.bound)
    if instance % 2:
        assert result.error <= 2 * result.leak * np.linalg.norm(values, axis=1).max() + 1e-12
        if result.leak_term > MEANINGFUL_BOUND:
            worst_simple_ratio = max(worst_simple_ratio, result.error / result.leak_term)
print(f"{num_instances} 个随机实例全部满足误差界；误差/界 的最大值 {worst_ratio:.3f}，"
      f"S 内按 β 分配时 误差/(ε·D_out) 的最大值 {worst_simple_ratio:.3f}")

# %% [markdown]
# 界在每个实例上都成立，并且有随机实例取到了它（比值 1.000）：例如 $T_x = 2$、$S$ 与 $S$ 外各只有一个位置时，误差恰好是 $\varepsilon\lVert V_{\text{out}} - V_{\text{in}}\rVert = \varepsilon D_{\text{out}}$。取等号的构造：$S = \{1\}$，$V_1 = v$，
# $S$ 外的值向量都等于 $-v$。此时 $c = (1-\varepsilon)v - \varepsilon v$，误差恰为 $2\varepsilon\lVert v\rVert = \varepsilon D_{\text{out}} = 2\varepsilon\max_i\lVert V_i\rVert$。

# %%
v = np.array([3.0, -4.0])                                    # ‖v‖ = 5
values = np.vstack([v, -v, -v, -v])
relevant = np.array([True, False, False, False])
for leak in [0.0, 0.01, 0.1, 0.5, 1.0]:
    alpha = np.array([1 - leak, leak / 3, leak / 3, leak / 3])
    result = attention_error_check(alpha, values, relevant, np.array([1.0]))
    assert math.isclose(result.error, result.max_norm_bound, rel_tol=1e-12, abs_tol=1e-12)
    print(f"ε = {leak:4.2f}:  ‖c − y*‖ = {result.error:.4f}   ε·D_out = {result.leak_term:.4f}   2ε·max‖V‖ = {result.max_norm_bound:.4f}")

# %% [markdown]
# 三列逐行相等：界不能再改小。它说明注意力的近似误差由“放错地方的权重”$\varepsilon$ 线性控制，
# 只要学会把权重集中到相关位置，误差就随 $\varepsilon$ 一起变小。
#
# ### 6.2 对齐熵降低了多少？
#
# 没有注意力的 seq2seq 对“当前输出该看哪个输入”一无所知，相当于均匀分布，**对齐熵**（alignment entropy）为最大值 $\log T_x$（nat）。
# 注意力把每一行权重集中起来，熵随之下降。常见的说法是可以降低“一个数量级以上”，却很少给出数字，这里用模拟来量化。
#
# 模拟单调的线性对齐：输出步 $t$（0 起计）对准输入位置 $c_t = (t + \tfrac12)\,T_x/T_y - \tfrac12$，
# 分数取 $s_{t,i} = -\beta_{\text{sharp}}\,(i - c_t)^2$。它仍是点积注意力：令 $K_i = (i, i^2, 1)$、
# $q_t = \beta_{\text{sharp}}\,(2c_t, -1, -c_t^2)$，则 $q_t^\top K_i = -\beta_{\text{sharp}}(i - c_t)^2$。
# 锐度 $\beta_{\text{sharp}} = 0$ 就是均匀注意力。每行的熵 $-\sum_i \alpha_{t,i}\log\alpha_{t,i}$ 用 `torch.special.entr` 计算，它约定 $0\log 0 = 0$。

# %%
from rnn_course.attention import alignment_weights, summarize_alignment

settings = [(5, 50), (10, 100), (20, 20), (50, 50), (100, 100), (50, 5), (100, 10), (500, 50), (60, 40)]
sharpness_levels = [1.0, 5.0, 10.0]
print("  T_x   T_y   log T_x  " + "".join(f"  β={beta:<4g} 平均熵  倍数" for beta in sharpness_levels))
factors = {}
for T_x, T_y in settings:
    row = f"{T_x:5d} {T_y:5d}   {math.log(T_x):6.3f}  "
    for beta in sharpness_levels:
        summary = summarize_alignment(alignment_weights(T_x, T_y, beta))
        factors[T_x, T_y, beta] = summary.reduction_factor
        row += f"      {summary.mean_entropy:7.4f} {summary.reduction_factor:7.1f}"
    print(row)

# %% [markdown]
# 读表（倍数 = $\log T_x$ / 平均行熵）：

# %%
above = sorted({(T_x, T_y) for (T_x, T_y, beta), factor in factors.items() if factor > 10})
below = sorted({(T_x, T_y) for (T_x, T_y, beta), factor in factors.items() if factor <= 10} - set(above))
print("至少在一个锐度下倍数 > 10 的 (T_x, T_y):", above)
print("三个锐度下倍数都 ≤ 10 的 (T_x, T_y):   ", below)
for T_x, T_y in [(500, 50), (100, 10)]:
    print(f"T_x = {T_x}, T_y = {T_y}, β = 10：倍数 {factors[T_x, T_y, 10.0]:.2f}，上限 log T_x / log 2 = {math.log2(T_x):.2f}")

# %% [markdown]
# 结论要说得诚实一些：
#
# - **$T_x = T_y$**：对齐中心正好落在输入位置上，锐度够大时一行几乎是独热分布，$\beta_{\text{sharp}} = 5$ 时倍数已有约 40–58，
#   $\beta_{\text{sharp}} = 10$ 时达到数千；长度接近时（$60 \to 40$）也超过 10。
# - **$T_x \ll T_y$**（$5 \to 50$、$10 \to 100$）：多个输出步共享同一个输入位置，很多行的中心落在两个位置之间，
#   只有在 $\beta_{\text{sharp}} = 10$ 时倍数才刚过 10（12.2 和 15.6），$\beta_{\text{sharp}} \le 5$ 时都不到 10。
# - **$T_x \gg T_y$**（$50 \to 5$、$100 \to 10$、$500 \to 50$）：倍数始终不到 10。$T_x/T_y$ 为偶数时中心 $c_t$ 恰好落在两个输入位置正中，
#   再尖锐的注意力也只能把权重平分给两者，每行熵不低于 $\log 2$，倍数最多 $\log T_x/\log 2 = \log_2 T_x$，
#   要 $T_x > 1024$ 才可能超过 10。这时一个输出本来就对应一段输入，熵不为 0 是合理的。
#
# 所以“尤其在 $T_x \ll T_y$ 或 $T_x \gg T_y$ 时降低一个数量级以上”这一说法在这个模拟里**不成立**：长度严重失配时，降低的倍数反而更小。
# 能稳定成立的说法是：注意力把对齐熵从 $\log T_x$ 降到一个与 $T_x$ 无关的常数（由锐度和对齐中心的位置决定），
# 所以输入越长，相对降低越多；是否超过 10 倍取决于锐度与长度比。
#
# ### 6.3 交互：注意力热图
#
# 改变 $T_x$、$T_y$、锐度和对齐模式（单调、反向、局部窗口、随机中心），观察权重矩阵与每行的熵。
# $T_x = 1$ 时只有一个位置，两种熵都是 0，倍数无定义，读数会写明。

# %%
from rnn_course.widgets.attention_heatmap import attention_heatmap_widget

attention_heatmap_widget()
