# %% [markdown]
# ## 4 截断 BPTT 与窗口长度（truncated BPTT）<a id="sec-tbptt"></a>
#
# 完整的 BPTT 要把整条序列的计算图保存下来，再从最后一步一直反传到第一步，长序列上的时间和内存都很贵。
# **截断 BPTT**（truncated BPTT，TBPTT）只向回传 $K$ 步：前向照常进行，但每隔 $K$ 步把隐藏状态从计算图上切断。
# 窗口 $K$ 太小会切断真实存在的依赖，太大又失去节省。怎样有原则地选 $K$？
#
# ### 4.1 由互信息衰减选择 $K$
#
# 用**互信息**（mutual information）$I(d) = I(x_{T-d};\, y)$ 度量相隔 $d$ 步的输入与输出之间的统计依赖。
# 若它随距离指数衰减，$I(d) \approx I_0\, e^{-\lambda d}$，就可以约定一个“可忽略”阈值 $\delta$：
# 要求所有被截断的依赖（$d \ge K$）都不超过 $\delta$。因为 $I(d)$ 单调递减，只需 $d = K$ 处满足：
#
# $$I_0\, e^{-\lambda K} \le \delta \iff K \ge \frac{1}{\lambda}\ln\frac{I_0}{\delta}.$$
#
# 例：互信息每步减半，$\lambda = \ln 2$；把衰减到初值的 $2^{-12}$ 视为可忽略，$\delta = 2^{-12} I_0$，
# 则 $K \ge \ln(2^{12}) / \ln 2 = 12$。

# %%
from rnn_course.memory import CEIL_TOLERANCE, truncation_window

I0, decay_rate = 10.0, math.log(2)                 # I0 = 10 比特，每步减半
delta = I0 * 2.0 ** -12                              # 阈值：初值的 2^-12
forms = {
    "ln(I0/δ) / λ": math.log(I0 / delta) / decay_rate,
    "(ln I0 − ln δ) / λ": (math.log(I0) - math.log(delta)) / decay_rate,
    "ln(I0/δ) · (1/λ)": math.log(I0 / delta) * (1 / decay_rate),
}
for name, ratio in forms.items():
    print(f"{name:>20} = {ratio!r:<20}  直接取整 {math.ceil(ratio):2d}   减去 {CEIL_TOLERANCE:g} 后取整 "
          f"{math.ceil(ratio - CEIL_TOLERANCE)}")
window = truncation_window(I0, decay_rate, delta)
print(f"truncation_window 给出 K = {window.window}，I(K)/δ = {window.information_at_window / delta!r}")

# %% [markdown]
# 三种写法在数学上都等于 12，但 $\ln I_0$、$\ln\delta$、$\ln 2$ 在 float64 中各自被舍入，
# 第二种写法得到 `12.000000000000002`，直接向上取整会给出错误的 13。
# 舍入误差只有几个 ulp（相对 $10^{-16}$ 量级），所以先减去容差 $10^{-9}$ 再取整：
# 它比舍入误差大约七个数量级，又远小于任何有意义的窗口差别。
# 代价是：若真实比值仅比整数 $K$ 大不到 $10^{-9}$，$I(K)$ 最多超出 $\delta$ 约 $\lambda\cdot10^{-9}$ 的相对量，可以忽略。
# 同理，$I(K)$ 与 $\delta$ 也只在最后几位上不同（上面的比值 $I(K)/\delta$ 比 1 大约 $10^{-15}$）。
#
# 下表对几组 $\lambda$ 与 $\delta/I_0$ 计算 $K$，并检查它是满足条件的最小整数：$I(K) \le \delta$ 且 $I(K-1) > \delta$。

# %%
print("   λ        δ/I0       ln(I0/δ)/λ     K")
for decay_rate in [math.log(2), 0.1, 0.5, 1.0]:
    for ratio in [1e-2, 2.0 ** -12, 1e-6]:
        window = truncation_window(1.0, decay_rate, ratio)
        K = window.window
        assert window.information_at_window <= ratio * (1 + 1e-9), "I(K) 超过了阈值 δ"
        assert K == 0 or math.exp(-decay_rate * (K - 1)) > ratio, "K 不是最小的窗口"
        print(f"{decay_rate:6.4f}   {ratio:9.3e}   {window.raw_ratio:12.6f}   {K:4d}")

# %% [markdown]
# 衰减越慢（$\lambda$ 越小）或阈值越严（$\delta$ 越小），需要的窗口越长：$\lambda = 0.1$、$\delta = 10^{-6} I_0$ 时要 139 步，
# 而 $\lambda = 1$、$\delta = 10^{-2} I_0$ 只要 5 步。$K$ 与 $\ln(1/\delta)$ 成正比、与 $\lambda$ 成反比。
#
# ### 4.2 在 PyTorch 中截断
#
# 截断只需一行：每隔 $K$ 步执行 `h = h.detach()`，之前的计算图就不再接收梯度。
# 下面用 `nn.RNNCell` 逐步运行 $T = 32$ 步、窗口 $K = 8$，损失只取最后一步，比较各步输入 $x_t$ 收到的梯度。

# %%
from torch import nn

torch.manual_seed(SEED)
input_size, hidden_size, num_steps, window_length = 3, 8, 32, 8
cell = nn.RNNCell(input_size, hidden_size)
x = torch.randn(num_steps, 1, input_size)                  # (T, B = 1, D)


def input_gradients(window_length):
    """返回 L = ½‖h_T‖² 对每个输入 x_t 的梯度，形状 (T, 1, D)；每隔 window_length 步切断一次计算图。"""
    x_leaf = x.clone().requires_grad_(True)
    h_t = torch.zeros(1, hidden_size)
    for t in range(num_steps):
        if t % window_length == 0:
            h_t = h_t.detach()                             # 不再向 t 之前反传
        h_t = cell(x_leaf[t], h_t)
    (0.5 * h_t.pow(2).sum()).backward()
    return x_leaf.grad


full = input_gradients(num_steps)                          # K ≥ T：完整 BPTT
truncated = input_gradients(window_length)
print("完整 BPTT 前 4 步的 ‖∂L/∂x_t‖:", np.array2string(full.norm(dim=(1, 2))[:4].numpy(), precision=3))
print("截断 BPTT 前 4 步的 ‖∂L/∂x_t‖:", np.array2string(truncated.norm(dim=(1, 2))[:4].numpy(), precision=3))

# %% [markdown]
# 截断后最早几步的梯度恰好是 0，而完整 BPTT 给出的是很小但非零的值。再用两个独立的检查确认：
# 完整 BPTT 的结果与同权重的 `nn.RNN` 一次性前向加自动微分一致；截断只影响窗口之外，窗口内的梯度与完整 BPTT 相同。

# %%
rnn = nn.RNN(input_size, hidden_size)
with torch.no_grad():
    for name in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]:
        getattr(rnn, f"{name}_l0").copy_(getattr(cell, name))
x_leaf = x.clone().requires_grad_(True)
_, h_T = rnn(x_leaf)
(0.5 * h_T.pow(2).sum()).backward()
assert torch.allclose(full, x_leaf.grad, rtol=1e-5, atol=1e-8), "逐步 BPTT 与 nn.RNN 的梯度不一致"

cut = num_steps - window_length                            # 最后一个窗口从 t = 24 开始（0 起计）
assert torch.all(truncated[:cut] == 0), "窗口之外的梯度应当恰好为 0"
assert torch.allclose(truncated[cut:], full[cut:], rtol=1e-6, atol=1e-9), "窗口之内的梯度应当与完整 BPTT 相同"
print(f"窗口外 {cut} 步的梯度全为 0；窗口内 {window_length} 步与完整 BPTT 一致；完整 BPTT 与 nn.RNN 一致")

# %%
steps = np.arange(num_steps)
full_norm = full.norm(dim=(1, 2)).numpy()
truncated_norm = truncated.norm(dim=(1, 2)).numpy()
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.semilogy(steps, full_norm, marker="o", markersize=3, label="完整 BPTT")
nonzero = truncated_norm > 0
ax.semilogy(steps[nonzero], truncated_norm[nonzero], marker="x", linestyle="none", label=f"截断 BPTT（K = {window_length}）")
ax.axvspan(-0.5, cut - 0.5, color="gray", alpha=0.15, label="截断梯度恰为 0（对数轴不显示）")
ax.set(title="最后一步损失对各步输入的梯度", xlabel="输入时间步 t（0 起计）", ylabel="‖∂L/∂x_t‖（对数轴）")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# 灰色区域内截断 BPTT 的梯度为 0，右侧 8 步与完整 BPTT 重合；完整 BPTT 的梯度随距离近似指数下降，
# 这正是 4.1 节假设的情形：被截掉的部分本来就只贡献很小的信号。
#
# ### 4.3 交互：截断窗口
#
# 调整 $I_0$、衰减速度和阈值，看衰减曲线与阈值的交点怎样决定 $K$。衰减速度用**半衰期**（互信息减半所需的步数）表示，
# $\lambda = \ln 2 / \text{半衰期}$，这样半衰期取 1 时 $\lambda$ 恰好等于 $\ln 2$；阈值写成 $\delta = 2^{-k}$ 比特。
# 默认值 $I_0 = 1$、半衰期 1、$k = 12$ 给出 $K = 12$；半衰期加倍，$K$ 也加倍。

# %%
from rnn_course.widgets.truncation_window import truncation_window_widget

truncation_window_widget()
