# %% [markdown]
# ## 7 双向 RNN（bidirectional RNN）<a id="sec-bidirectional"></a>
#
# 在命名实体识别、情感分析这类任务里，理解第 $t$ 个词既要看它前面的词，也要看后面的词。
# **双向 RNN**（BiRNN）用两个参数独立的 RNN 做到这一点：
#
# - 前向 RNN 按 $x_1, \dots, x_T$ 的顺序读，得到 $h_t^{f}$，它只看过 $x_1, \dots, x_t$；
# - 后向 RNN 按 $x_T, \dots, x_1$ 的顺序读，得到 $h_t^{b}$，它只看过 $x_t, \dots, x_T$；
# - 第 $t$ 步的表示是两者的拼接 $[h_t^{f}; h_t^{b}]$。
#
# 因为用到了未来的输入，BiRNN 是**非因果**（non-causal）的：它适合整段序列已知的标注任务，不能直接用于逐步生成。
#
# ### 7.1 `nn.RNN(bidirectional=True)` 的输出布局
#
# PyTorch 把两个方向的状态沿最后一维拼接：`output[..., :H]` 是前向，`output[..., H:]` 是后向，两者对齐到同一个时间下标。
# 下面用两个单向 `nn.RNN` 复现它：后向那个拷贝 `*_reverse` 参数，读翻转后的序列，输出再翻转回来。

# %%
from torch import nn

from rnn_course.bidirectional import input_dependence

torch.manual_seed(SEED)
num_steps, batch_size, input_size, hidden_size = 6, 2, 3, 4
birnn = nn.RNN(input_size, hidden_size, bidirectional=True)
x = torch.randn(num_steps, batch_size, input_size)  # (T, B, D)
output, h_n = birnn(x)  # output: (T, B, 2H)，h_n: (2, B, H)

rnn_f = nn.RNN(input_size, hidden_size)
rnn_b = nn.RNN(input_size, hidden_size)
with torch.no_grad():
    for name in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]:
        getattr(rnn_f, name).copy_(getattr(birnn, name))
        getattr(rnn_b, name).copy_(getattr(birnn, name + "_reverse"))
    h_f = rnn_f(x)[0]  # (T, B, H)
    h_b = rnn_b(x.flip(0))[0].flip(0)  # 读 x_T..x_1，再按时间翻转回来：(T, B, H)

H = hidden_size
print("output 形状:", tuple(output.shape), " h_n 形状:", tuple(h_n.shape))
print(f"前向一半与单向 RNN 的最大差: {(output[..., :H] - h_f).abs().max().item():.1e}")
print(f"后向一半与翻转后单向 RNN 的最大差: {(output[..., H:] - h_b).abs().max().item():.1e}")
print("h_n[1] 等于 output[0, :, H:]（后向 RNN 的最终状态在 t = 1）:", torch.allclose(h_n[1], output[0, :, H:]))

# %% [markdown]
# 两个差都是 0（同样的参数、同样的运算顺序，结果逐位相同），说明布局正是“前向在前、后向在后”；后向 RNN 读完整个序列时停在 $t=1$，所以它的最终状态是 `output[0, :, H:]`。
#
# 再用自动微分检查依赖关系：第 $t$ 步前向一半对 $x_s$ 的梯度应当只在 $s \le t$ 时非零，后向一半只在 $s \ge t$ 时非零。

# %%
forward_dependence, backward_dependence = input_dependence(birnn, x[:, :1])  # 两个 (T, T) 数组
s_index, t_index = np.meshgrid(np.arange(num_steps), np.arange(num_steps))
assert np.all(forward_dependence[s_index > t_index] == 0), "前向一半不应依赖未来输入"
assert np.all(forward_dependence[s_index <= t_index] > 0), "前向一半应依赖过去与当前输入"
assert np.all(backward_dependence[s_index < t_index] == 0), "后向一半不应依赖过去输入"
assert np.all(backward_dependence[s_index >= t_index] > 0), "后向一半应依赖当前与未来输入"
print("依赖关系检查通过：前向看 x_1..x_t，后向看 x_t..x_T")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
for ax, dependence, title in zip(axes, [forward_dependence, backward_dependence], ["前向一半", "后向一半"]):
    image = ax.imshow(np.log10(dependence + 1e-12), cmap="viridis", vmin=-6, vmax=1)
    ax.set_title(f"{title}对输入的依赖")
    ax.set_xlabel("输入位置 s")
    ax.set_ylabel("输出时间步 t")
    ax.set_xticks(range(num_steps), range(1, num_steps + 1))
    ax.set_yticks(range(num_steps), range(1, num_steps + 1))
fig.colorbar(image, ax=axes, label="log10 |∂(该半输出之和)/∂x_s|（0 显示为 -6）")
plt.show()

# %% [markdown]
# 左图是下三角、右图是上三角：前向一半只“看过去”，后向一半只“看未来”，对角线上两者都看到当前输入 $x_t$。
#
# ### 7.2 训练时以概率 $\rho$ 屏蔽未来
#
# BiRNN 会不会学着依赖未来？用一个可以解出闭式解的线性模型回答：
#
# $$\hat y_t = w_f\, x_t + w_b\, m_t\, z_t,\qquad m_t \sim \mathrm{Bernoulli}(1-\rho),$$
#
# 其中 $z_t$ 代表后向 RNN 带来的未来信息（这里取 $z_t = x_{t+1}$），训练时每个样本以概率 $\rho$ 把它置零。
# 记样本二阶矩 $S_{ab} = \frac1N\sum a\,b$。由于 $\mathbb E[m_t] = \mathbb E[m_t^2] = 1-\rho$，对屏蔽取期望后的均方损失为
#
# $$\mathcal L(w_f, w_b) = S_{yy} - 2w_f S_{xy} - 2(1-\rho)\,w_b S_{zy} + w_f^2 S_{xx} + 2(1-\rho)\,w_f w_b S_{xz} + (1-\rho)\,w_b^2 S_{zz}.$$
#
# 令两个偏导为零，对 $w_b$ 的方程整体带有因子 $(1-\rho)$。当 $\rho < 1$ 时约去它，按克拉默法则得到
#
# $$w_b^\star = \frac{S_{xx}S_{zy} - S_{xz}S_{xy}}{S_{xx}S_{zz} - (1-\rho)\,S_{xz}^2},\qquad
#   w_f^\star = \frac{S_{xy}S_{zz} - (1-\rho)\,S_{xz}S_{zy}}{S_{xx}S_{zz} - (1-\rho)\,S_{xz}^2}.$$
#
# 若数据满足 $y_t = a\,x_t + c\,z_t + \varepsilon_t$（噪声与 $x, z$ 不相关），分子等于 $c\,(S_{xx}S_{zz} - S_{xz}^2)$。记 $r^2 = S_{xz}^2/(S_{xx}S_{zz})$，则
#
# $$w_b^\star = c\,\frac{1 - r^2}{1 - (1-\rho)\,r^2}\qquad(\rho < 1).$$
#
# 于是 $w_b^\star = 0$ 当且仅当 $c = 0$，即目标不依赖未来。下面的数据取 $x_t$ 为平稳 AR(1) 过程（$x_t$ 与 $x_{t+1}$ 的相关系数为 0.6），
# 先用一个独立的方法核对闭式解：把每个样本复制成“未屏蔽”（权重 $1-\rho$）和“已屏蔽”（权重 $\rho$）两行，
# 加权最小二乘的目标正好就是上面的期望损失，可以直接交给 `torch.linalg.lstsq`。

# %%
from rnn_course.bidirectional import (SecondMoments, closed_form_backward_weight, make_future_regression_data,
                                      masked_least_squares, profile_loss_over_backward_weight,
                                      train_masked_regression)

NUM_SAMPLES = 2000
CORRELATION = 0.6  # corr(x_t, x_{t+1})


def weighted_lstsq(x, z, y, rho):
    """对“未屏蔽 / 已屏蔽”两份样本做加权最小二乘，返回 (w_f, w_b)。"""
    keep, drop = math.sqrt(1 - rho), math.sqrt(rho)
    features = np.concatenate([np.stack([x, z], 1) * keep, np.stack([x, 0 * z], 1) * drop])
    targets = np.concatenate([y * keep, y * drop])
    solution = torch.linalg.lstsq(torch.tensor(features), torch.tensor(targets).unsqueeze(1)).solution
    return solution.squeeze(1).numpy()


x_t, z_t, y_t = make_future_regression_data(NUM_SAMPLES, future_coef=0.8, correlation=CORRELATION, seed=SEED)
moments = SecondMoments.from_data(x_t, z_t, y_t)
for rho in [0.0, 0.5, 0.9]:
    w_f_star, w_b_star = masked_least_squares(moments, rho)
    w_f_lstsq, w_b_lstsq = weighted_lstsq(x_t, z_t, y_t, rho)
    assert abs(w_b_star - closed_form_backward_weight(moments, rho)) < 1e-12
    assert abs(w_b_star - w_b_lstsq) < 1e-10
    assert abs(w_f_star - w_f_lstsq) < 1e-10
    print(f"ρ = {rho:.1f}: w_f* = {w_f_star:.4f}, w_b* = {w_b_star:.4f}（加权 lstsq: {w_f_lstsq:.4f}, {w_b_lstsq:.4f}）")

# %% [markdown]
# 闭式解与加权最小二乘一致到 $10^{-10}$。$c = 0.8$ 时，$\rho$ 越大，$w_b^\star$ 越小，$w_f^\star$ 越大：未来信息越常缺席，模型越多地改用与之相关的 $x_t$ 去补。
#
# 情形（1）：目标不依赖未来（$c = 0$）。

# %%
x0, z0, y0 = make_future_regression_data(NUM_SAMPLES, future_coef=0.0, correlation=CORRELATION, seed=SEED)
moments_causal = SecondMoments.from_data(x0, z0, y0)
standard_error = 0.1 / math.sqrt(NUM_SAMPLES)  # 噪声标准差 0.1 下回归系数的量级
for rho in [0.0, 0.5, 0.9]:
    w_b_star = masked_least_squares(moments_causal, rho)[1]
    print(f"ρ = {rho:.1f}: w_b* = {w_b_star:+.5f}")
    assert abs(w_b_star) < 3 * standard_error / math.sqrt(1 - CORRELATION**2)

# %% [markdown]
# $w_b^\star$ 只剩 $10^{-3}$ 量级的抽样误差（总体值恰为 0）：任务本身是因果的，模型自己放弃了后向通路。
#
# 情形（2）：$\rho = 1$。常见的说法是此时 $w_b^\star = 0$，**这不对**。$\rho = 1$ 时 $z_t$ 永远被置零，损失里根本不含 $w_b$：
# 每个 $w_b$ 的损失都相同，最优解不唯一，$w_b$ **不可辨识**（not identified）。训练结果取决于初始值和优化器，只有加上权重衰减（L2 正则）才会被压到 0。
# 还要注意，$\rho \to 1^-$ 的极限也不是 0，而是 $c\,(1-r^2)$：只要 $z$ 偶尔出现，它提供的、$x_t$ 给不了的那部分信息仍然值得用。

# %%
WEIGHT_DECAY = 0.05
LEARNING_RATE, NUM_GD_STEPS = 0.5, 100
w_b_grid = np.linspace(-1.0, 2.0, 7)
loss_at_rho_1 = profile_loss_over_backward_weight(moments, 1.0, w_b_grid)
print("ρ = 1 时不同 w_b 的损失:", np.round(loss_at_rho_1, 6))
assert np.ptp(loss_at_rho_1) < 1e-12

for initial_w_b in [0.5, -0.3]:
    settings = dict(rho=1.0, initial_w_b=initial_w_b, num_steps=NUM_GD_STEPS, learning_rate=LEARNING_RATE)
    plain = train_masked_regression(x_t, z_t, y_t, **settings)
    decayed = train_masked_regression(x_t, z_t, y_t, weight_decay=WEIGHT_DECAY, **settings)
    # 有衰减时 w_b 的梯度只剩 2λ·w_b，每步乘以 (1 − 2ηλ)
    geometric = initial_w_b * (1 - 2 * LEARNING_RATE * WEIGHT_DECAY) ** NUM_GD_STEPS
    print(f"初值 {initial_w_b:+.1f}: {NUM_GD_STEPS} 步后 w_b = {plain[-1]:+.4f}（无衰减），"
          f"{decayed[-1]:+.5f}（λ = {WEIGHT_DECAY}，几何衰减公式 {geometric:+.5f}）")
    assert plain[-1] == initial_w_b
    assert abs(decayed[-1] - geometric) < 1e-12

print("ρ = 1 的加权 lstsq 给出 w_b =", round(float(weighted_lstsq(x_t, z_t, y_t, 1.0)[1]), 6), "（最小范数解的约定，不是数据决定的）")
limit = (moments.S_xx * moments.S_zy - moments.S_xz * moments.S_xy) / (moments.S_xx * moments.S_zz)
print(f"ρ → 1⁻ 的极限 c·(1 − r²) = {limit:.4f}；ρ = 0.999 时 w_b* = {masked_least_squares(moments, 0.999)[1]:.4f}")

# %% [markdown]
# 损失对 $w_b$ 完全平坦；梯度下降从哪里出发就停在哪里（梯度恰好为 0）。加上 $\lambda = 0.05$ 的权重衰减后，$w_b$ 每步乘以 $1-2\eta\lambda = 0.95$，按几何级数收缩到 0，唯一的最优解就是 $w_b = 0$。
# `lstsq` 返回的 0 来自它“取最小范数解”的约定，换一个求解器或初始值就会不同。
#
# 下图把三种情况放在一起：$w_b^\star$ 随 $\rho$ 的变化（有无权重衰减），以及 $\rho$ 接近 1 时的不连续。

# %%
rho_grid = np.linspace(0, 1, 101)
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for label, m, color in [("c = 0.8", moments, "tab:blue"), ("c = 0（因果目标）", moments_causal, "tab:gray")]:
    ax.plot(rho_grid, closed_form_backward_weight(m, rho_grid), color=color, label=f"{label}，无权重衰减")
    ax.plot(rho_grid, [masked_least_squares(m, r, WEIGHT_DECAY)[1] for r in rho_grid], color=color,
            linestyle="--", label=f"{label}，权重衰减 λ = {WEIGHT_DECAY}")
ax.plot([1.0, 1.0], [-0.3, 0.5], "rx", markersize=8, label="ρ = 1 无衰减：停在初值（示例 0.5 与 −0.3）")
ax.set_xlabel("屏蔽概率 ρ")
ax.set_ylabel("最优后向权重 w_b*")
ax.set_title("屏蔽未来训练下的后向权重")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# 实线在 $\rho = 1$ 处断开（不可辨识），虚线（有权重衰减）在 $\rho = 1$ 处连续地落到 0；灰色实线（$c=0$）始终贴着 0。
# 灰色虚线在 $\rho$ 小时略高于 0，这是 L2 正则的已知效果：它把权重分摊到相关的特征上（这里 $x_t$ 与 $z_t$ 相关），并不表示目标依赖未来。
#
# ### 7.3 交互：屏蔽概率与后向权重
#
# 拖动 $\rho$ 和“对未来的依赖系数” $c$：左图是 $w_b^\star(\rho)$，右图是当前 $\rho$ 下损失关于 $w_b$ 的曲线（$w_f$ 取对应的最优值）。把 $\rho$ 拖到 1，右图的实线变成水平线。

# %%
from rnn_course.widgets.bidirectional_masking import bidirectional_masking_widget

bidirectional_masking_widget()
