# %% [markdown]
# ## 3 长程依赖（long-range dependencies）<a id="sec-long-range"></a>
#
# RNN 在结构上能把任意远的信息连起来，但训练时学习信号要靠**通过时间反向传播**
# （backpropagation through time，BPTT）一步步往回传，沿途反复乘以雅可比矩阵，
# 于是出现**梯度消失与梯度爆炸**（vanishing and exploding gradients）。
# 用一个去掉输入和非线性的线性 RNN，可以把这件事算得一清二楚：
#
# $$h_t = a\,h_{t-1},\qquad o_t = h_t \quad\Longrightarrow\quad h_t = a^t h_0 .$$
#
# 比较两种损失：
#
# - **仅最终步损失**（对应多对一）：$L_{\text{final}} = \tfrac12 o_T^2$；
# - **每步累计损失**（对应对齐多对多）：$L_{\text{all}} = \tfrac12 \sum_{t=1}^{T} o_t^2$。
#
# ### 3.1 两个梯度的闭式解
#
# 这里的 $\partial L/\partial h_t$ 指全导数：$h_t$ 既直接进入第 $t$ 步的损失，也通过 $h_{t+1}, \dots, h_T$ 影响之后的损失。
# 由 $\partial h_k / \partial h_t = a^{k-t}$（$k \ge t$）和链式法则：
#
# $$\frac{\partial L_{\text{final}}}{\partial h_t} = \frac{\partial L_{\text{final}}}{\partial h_T}\,\frac{\partial h_T}{\partial h_t} = h_T\,a^{T-t},
# \qquad
# \frac{\partial L_{\text{all}}}{\partial h_t} = \sum_{k=t}^{T} \frac{\partial L_k}{\partial h_k}\,\frac{\partial h_k}{\partial h_t} = \sum_{k=t}^{T} h_k\,a^{k-t},$$
#
# 其中 $L_k = \tfrac12 o_k^2$。下面把两个闭式解与 PyTorch 自动微分（autograd）逐项比较：
# 自动微分一侧把每个 $h_t$ 留作计算图中的节点并调用 `retain_grad()`，`h_t.grad` 就是全导数。

# %%
from rnn_course.memory import every_step_gradient_limit, first_step_gradients, linear_rnn_gradients

h0, num_steps = 1.0, 30
for a in [1.1, 0.9, 1.0, -0.8]:
    grads = linear_rnn_gradients(a, h0, num_steps)
    gap_final = np.max(np.abs(grads.final_closed_form - grads.final_autograd) / np.abs(grads.final_autograd))
    gap_all = np.max(np.abs(grads.all_closed_form - grads.all_autograd) / np.abs(grads.all_autograd))
    print(f"a = {a:+.1f}:  ∂L_final/∂h_1 = {grads.final_autograd[0]:10.3e}   ∂L_all/∂h_1 = {grads.all_autograd[0]:10.3e}"
          f"   最大相对差 final {gap_final:.1e}，all {gap_all:.1e}")
    assert gap_final < 1e-12, f"a = {a}：L_final 的闭式解与自动微分相差 {gap_final:.1e}"
    assert gap_all < 1e-12, f"a = {a}：L_all 的闭式解与自动微分相差 {gap_all:.1e}"

# %% [markdown]
# 四种 $a$ 下闭式解与自动微分的相对差都在 $10^{-15}$ 量级（float64 的舍入误差）。
# 同样是 30 步，$a = 1.1$ 时 $h_1$ 的梯度达到 $10^{2}$–$10^{3}$ 量级，$a = 0.9$ 时仅最终步损失只给出约 $2\times10^{-3}$。
#
# ### 3.2 最早一步的梯度
#
# 令 $t = 1$ 并代入 $h_k = a^k h_0$：
#
# $$\frac{\partial L_{\text{final}}}{\partial h_1} = h_T\,a^{T-1} = h_0\,a^{2T-1},\qquad
# \frac{\partial L_{\text{all}}}{\partial h_1} = \sum_{k=1}^{T} h_k\,a^{k-1} = h_0 \sum_{k=1}^{T} a^{2k-1}.$$
#
# - $|a| > 1$：两者都含 $a$ 的高次幂，随 $T$ 指数增长，即**梯度爆炸**。
# - $|a| < 1$（一些资料把这个条件排印成“$|a|\ 1$”，漏掉了小于号）：$h_0 a^{2T-1} \to 0$，即**梯度消失**，远处的损失几乎传不回 $h_1$；
#   而 $\sum_{k\ge1} a^{2k-1}$ 是公比为 $a^2$ 的几何级数，
#
# $$\frac{\partial L_{\text{all}}}{\partial h_1} = h_0\,\frac{a\,(1 - a^{2T})}{1 - a^2} \;\xrightarrow{T\to\infty}\; h_0\,\frac{a}{1 - a^2} \ne 0 \quad (a \ne 0,\ h_0 \ne 0).$$
#
# - $|a| = 1$：$\partial L_{\text{final}}/\partial h_1 = h_0 a$ 大小不变，$\partial L_{\text{all}}/\partial h_1 = h_0 T a$ 随 $T$ 线性增长，极限公式不适用。

# %%
a, h0 = 0.9, 1.0
limit = every_step_gradient_limit(a, h0)
print(f"a = {a}, h0 = {h0}:  极限 h0·a/(1−a²) = {limit:.10f}")
print("    T    ∂L_final/∂h_1     ∂L_all/∂h_1     与极限之差       h0·a^(2T+1)/(1−a²)")
for T in [1, 5, 10, 20, 50, 100, 200]:
    final_first, all_first = first_step_gradients(a, h0, T)
    grads = linear_rnn_gradients(a, h0, T)
    assert math.isclose(final_first, grads.final_autograd[0], rel_tol=1e-12), f"T = {T}：∂L_final/∂h_1 与自动微分不一致"
    assert math.isclose(all_first, grads.all_autograd[0], rel_tol=1e-12), f"T = {T}：∂L_all/∂h_1 与自动微分不一致"
    assert abs((limit - all_first) - h0 * a ** (2 * T + 1) / (1 - a * a)) < 1e-14, f"T = {T}：与极限之差不等于尾项"
    print(f"{T:5d}   {final_first:14.6e}   {all_first:14.10f}   {limit - all_first:12.4e}   {h0 * a ** (2 * T + 1) / (1 - a * a):12.4e}")

# %% [markdown]
# 每一行的两个梯度都与自动微分一致（相对误差 $10^{-12}$ 以内）。$T = 200$ 时仅最终步损失给 $h_1$ 的梯度只有约 $5.5\times10^{-19}$，
# 每步累计损失则停在 $4.7368\ldots$；与极限之差等于几何级数的尾项 $h_0 a^{2T+1}/(1-a^2)$
# （$T = 200$ 时尾项约 $2\times10^{-18}$，小于 float64 在 4.7 附近的间隔 $8.9\times10^{-16}$，所以差值显示为 0）。

# %%
horizons = np.arange(1, 101)
fig, ax = plt.subplots(figsize=(7, 3.8))
for a, style in [(1.05, "-"), (0.9, "--"), (1.0, ":")]:
    firsts = np.array([first_step_gradients(a, 1.0, int(T)) for T in horizons])
    ax.semilogy(horizons, np.abs(firsts[:, 0]), style, color="tab:blue", label=f"L_final，a = {a}")
    ax.semilogy(horizons, np.abs(firsts[:, 1]), style, color="tab:orange", label=f"L_all，a = {a}")
ax.axhline(every_step_gradient_limit(0.9, 1.0), color="gray", linewidth=0.8, label="极限 a/(1−a²)，a = 0.9")
ax.set(title="最早一步的梯度随序列长度的变化（h0 = 1）", xlabel="序列长度 T", ylabel="|∂L/∂h_1|（对数轴）")
ax.legend(fontsize=8, ncol=2)
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# 蓝线（仅最终步损失）在 $a = 0.9$ 时按 $0.81^T$ 直线下降，橙线（每步累计损失）很快贴上灰色的极限；
# $a = 1.05$ 时两条线都向上发散，$a = 1$ 时蓝线水平、橙线线性增长。
#
# 所以在稳定区间（$|a| < 1$）里，每一步都提供损失信号能让最早的状态始终得到有限、非零的梯度；
# 只在远处监督，信号则随距离指数衰减。这是对齐多对多监督在长序列上更好训练的一个原因。
#
# ### 3.3 交互：梯度衰减
#
# 拖动 $a$、$T$、$h_0$，观察 $|\partial L/\partial h_t|$ 随 $t$ 的变化。实线是闭式解，空心圆是自动微分，两者应当重合。
# 试试这些极端情况：$a = 0$（除 $h_0$ 外所有状态为 0，梯度恰为 0，对数轴画不出，图中会注明）、$a = 1$（仅最终步损失的梯度处处相等）、
# $T = 1$（两种损失相同）、$h_0 = 0$（一切为 0）。

# %%
from rnn_course.widgets.gradient_decay import gradient_decay_widget

gradient_decay_widget()
