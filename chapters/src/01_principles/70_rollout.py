# %% [markdown]
# ## 9 自回归生成与误差累积（autoregressive rollout）<a id="sec-rollout"></a>
#
# 时间序列预测、文本生成这类**自回归**（autoregressive）任务里，模型上一步的输出会成为下一步的输入。
# 要预测未来 $H$ 步，有两种做法：
#
# 1. **迭代式多对一**（iterative many-to-one）：训练单步预测器 $g(x_t) \approx x_{t+1}$，预测时从 $x_t$ 出发，把自己的预测 $\hat x_{t+k}$ 喂回去得到 $\hat x_{t+k+1}$，这个过程称为展开（rollout）；
# 2. **一对多**（one-to-many）：训练一个直接预测器，从 $x_t$ 一次输出 $(\hat x_{t+1}, \dots, \hat x_{t+H})$，每个 $\hat x_{t+k}$ 都不读其他预测。
#
# 设真实动态 $x_{k+1} = f(x_k)$ 的 Lipschitz 常数为 $L$（$|f(u) - f(v)| \le L|u - v|$），单步模型在它被调用的状态上误差不超过 $\mu$：$|g(u) - f(u)| \le \mu$。
# 记迭代式误差 $a_k = |\hat x_k - x_k|$，$a_0$ 是起点误差。插入 $f(\hat x_k)$ 再用三角不等式：
#
# $$a_{k+1} = |g(\hat x_k) - f(x_k)| \le \underbrace{|g(\hat x_k) - f(\hat x_k)|}_{\le\, \mu} + \underbrace{|f(\hat x_k) - f(x_k)|}_{\le\, L a_k} .$$
#
# 把 $a_{k+1} \le L a_k + \mu$ 展开 $k$ 次：
#
# $$a_k \le a_0 L^k + \mu \sum_{j=0}^{k-1} L^j = \begin{cases} a_0 + k\mu, & L = 1,\\[2pt] a_0 L^k + \mu\,\dfrac{L^k - 1}{L - 1}, & L \ne 1.\end{cases}$$
#
# 一对多预测器的第 $k$ 个输出误差不超过 $\mu_o$（与真实的 $k$ 步映射 $f^k$ 相比），而 $f^k$ 的 Lipschitz 常数至多为 $L^k$，同理得到
#
# $$b_k = |\hat x_k - x_k| \le L^k a_0 + \mu_o,$$
#
# 其中没有 $\mu$ 的累加项：模型误差不会被反馈、放大、再传递。这类界常用期望误差 $\mathbb E\|\hat x_k - x_k\|$ 表述；上面的界对每条轨迹都成立，所以对期望同样成立。
#
# ### 9.1 界的闭式解与逐步递推一致

# %%
from rnn_course.generation import error_bound_curves

A0, MU, HORIZON = 0.01, 0.001, 20
for L in [0.8, 1.0, 1.2]:
    iterative_bound, direct_bound = error_bound_curves(L, MU, A0, HORIZON)
    recursion = [A0]
    for _ in range(HORIZON):
        recursion.append(L * recursion[-1] + MU)  # 等号成立时的递推 a_{k+1} = L·a_k + μ
    assert np.allclose(iterative_bound, recursion, rtol=1e-12, atol=0)
    print(f"L = {L}: a_20 ≤ {iterative_bound[-1]:.5f}，b_20 ≤ {direct_bound[-1]:.5f}，"
          f"比值 {iterative_bound[-1] / direct_bound[-1]:.2f}")
assert error_bound_curves(1.0, MU, A0, HORIZON)[0][-1] == A0 + HORIZON * MU

# %% [markdown]
# 闭式解与递推逐项一致；$L = 1$ 时界恰为 $a_0 + k\mu = 0.03$。$L = 0.8$ 时迭代式的界收敛到 $\mu/(1-L) = 0.005$；
# $L = 1.2$ 时两个界共有的 $a_0 L^{20} \approx 0.38$ 占大头，迭代式多出的 $\mu(L^{20}-1)/(L-1) \approx 0.19$ 全部来自误差的反馈。
#
# ### 9.2 在真实的动力系统上验证
#
# 用两个真实系统，各拟合一个有误差的单步模型：
#
# - **谐振子**（harmonic oscillator）：$\ddot q = -\omega^2 q$ 在时间步 $\Delta t$ 上的精确流映射是把 $(q, \dot q/\omega)$ 旋转角度 $\theta = \omega\Delta t$，它保持距离，$L = 1$。
#   从带噪声的观测对用最小二乘拟合旋转角 $\hat\theta$；模型 $g$ 是旋转 $\hat\theta$。在单位圆上，$\mu = 2\sin(|\hat\theta - \theta|/2)$。
# - **Logistic 映射** $f(x) = r x (1 - x)$，$x \in [0, 1]$：$|f'(x)| = r|1 - 2x| \le r$，所以 $L = r$。取 $r = 2.8$（收敛到不动点）与 $r = 3.9$（混沌）。
#   从带噪声的观测对拟合 $\hat r$；模型 $g(x) = \hat r x(1-x)$，$\mu = \max_x |\hat r - r|\,x(1-x) = |\hat r - r|/4$。
#
# 拟合数据用固定种子生成，每个系统 200 对观测，噪声标准差 0.01。

# %%
from rnn_course.generation import (direct_errors, fit_logistic_rate, fit_rotation_angle, logistic_map, rollout_errors,
                                   rotation_map)

rng = np.random.default_rng(SEED)
NUM_PAIRS, NOISE_STD = 200, 0.01
THETA = 2 * math.pi / 50  # 谐振子每步转过的角度：50 步一个周期

angles = rng.uniform(0, 2 * math.pi, NUM_PAIRS)
states = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (N, 2)，单位圆上
next_states = rotation_map(states, THETA) + NOISE_STD * rng.standard_normal((NUM_PAIRS, 2))
theta_hat = fit_rotation_angle(states, next_states)
mu_rotation = 2 * math.sin(abs(theta_hat - THETA) / 2)
print(f"谐振子: θ = {THETA:.6f}, θ̂ = {theta_hat:.6f}, L = 1, μ = {mu_rotation:.2e}")

logistic_fits = {}
for r in [2.8, 3.9]:
    x_now = rng.uniform(0, 1, NUM_PAIRS)
    x_next = logistic_map(x_now, r) + NOISE_STD * rng.standard_normal(NUM_PAIRS)
    r_hat = fit_logistic_rate(x_now, x_next)
    logistic_fits[r] = (r_hat, abs(r_hat - r) / 4)
    print(f"logistic r = {r}: r̂ = {r_hat:.5f}, L = {r}, μ = {abs(r_hat - r) / 4:.2e}")

# %% [markdown]
# 三个模型都只差一点点：$\mu$ 在 $10^{-4}$ 到 $10^{-3}$ 量级。下面从 100 个随机起点（起点精确，$a_0 = 0$）展开，记录每一步的误差；
# 一对多预测器用“真实的 $k$ 步映射 + 幅度不超过 $\mu_o = \mu$ 的固定种子随机误差”来模拟，它正是界 $b_k$ 所假设的预测器。

# %%
NUM_STARTS = 100
systems = {
    "谐振子（L = 1）": (lambda s: rotation_map(s, THETA), lambda s: rotation_map(s, theta_hat), 1.0, mu_rotation, 200),
}
for r, (r_hat, mu_r) in logistic_fits.items():
    name = f"logistic r = {r}（{'收敛' if r < 3 else '混沌'}）"
    systems[name] = (lambda x, r=r: logistic_map(x, r), lambda x, r_hat=r_hat: logistic_map(x, r_hat), r, mu_r, 40)

results = {}
for name, (true_step, model_step, L, mu, horizon) in systems.items():
    if L == 1.0:
        start_angles = rng.uniform(0, 2 * math.pi, NUM_STARTS)
        starts = np.stack([np.cos(start_angles), np.sin(start_angles)], axis=1)  # (starts, 2)，单位圆上
    else:
        starts = rng.uniform(0.05, 0.95, NUM_STARTS)  # (starts,)
    state_ndim = starts.ndim - 1
    iterative = rollout_errors(true_step, model_step, starts, horizon, state_ndim=state_ndim).T  # (starts, H+1)
    # 每个分量在 [−μ/√d, μ/√d] 内均匀取值，误差向量的范数就不超过 μ_o = μ（d 为状态维数）
    half_width = mu / math.sqrt(starts[0].size)
    per_horizon_error = rng.uniform(-half_width, half_width, (horizon, *starts.shape))
    direct = direct_errors(true_step, starts, horizon, per_horizon_error, state_ndim=state_ndim).T
    iterative_bound, direct_bound = error_bound_curves(L, mu, 0.0, horizon)
    # 1e-12 的余量只容纳浮点舍入
    assert np.all(iterative <= iterative_bound + 1e-12), name
    assert np.all(direct <= direct_bound + 1e-12), name
    results[name] = (iterative, direct, iterative_bound, direct_bound)
    print(f"{name}: 第 {horizon} 步 迭代式误差 平均 {iterative[:, -1].mean():.2e} / 最大 {iterative[:, -1].max():.2e}，"
          f"上界 {iterative_bound[-1]:.2e}；一对多误差最大 {direct[:, -1].max():.2e}")
    if L == 2.8:
        r_hat = logistic_fits[2.8][0]
        print(f"  两个不动点之差 |1/r − 1/r̂| = {abs(1 / 2.8 - 1 / r_hat):.2e}")

# %% [markdown]
# 所有轨迹、所有步都在各自的界之内（断言通过）。谐振子的误差在 200 步后约为 $200\mu$，正是线性增长的界；
# 混沌的 logistic 映射误差先指数增长，再在 $[0,1]$ 的尺度上饱和；收敛的 logistic 映射误差停在两个不动点之差 $|1/r - 1/\hat r|$ 上，不再增长。
# 一对多的误差始终不超过 $\mu_o$，不随 $k$ 增长。画出来看：

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, (name, (iterative, direct, iterative_bound, direct_bound)) in zip(axes, results.items()):
    steps = np.arange(iterative.shape[1])
    ax.plot(steps[1:], iterative_bound[1:], color="tab:red", linestyle="--", label="迭代式上界 a_k")
    ax.plot(steps[1:], iterative.mean(axis=0)[1:], color="tab:red", label="迭代式误差（100 个起点平均）")
    ax.plot(steps[1:], direct_bound[1:], color="tab:blue", linestyle="--", label="一对多上界 b_k = μ_o")
    ax.plot(steps[1:], direct.mean(axis=0)[1:], color="tab:blue", label="一对多误差（平均）")
    if name.startswith("谐振子"):
        ax.set_ylim(0, 1.1 * iterative_bound[-1])  # 线性坐标：看出线性增长
    else:
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 1e3)
    ax.set_title(name)
    ax.set_xlabel("预测步数 k")
    ax.set_ylabel("误差 |预测 − 真实|")
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# 左图（线性坐标）：$L = 1$ 时迭代式误差与界 $k\mu$ 几乎重合，线性增长。中图与右图（对数坐标）：界按 $L^k$ 指数增长。
# 混沌情形下实际误差也先按指数增长（斜率比界小，因为平均的局部放大率低于全局的 $L = r$），随后饱和；
# 收敛情形下实际误差不增长，因为不动点 $x^\star = 1 - 1/r$ 处的局部斜率 $|f'(x^\star)| = |2 - r| = 0.8 < 1$：
# 用全局 $L = 2.8$ 算出的界仍然成立，但非常宽松。
#
# 一对多的误差没有反馈项，但它并不免费：直接预测器要学的是 $f^k$，而混沌系统的 $f^k$ 随 $k$ 变得越来越陡（Lipschitz 常数可达 $r^k$），
# 固定容量的模型拟合它的误差 $\mu_o$ 会随 $k$ 增大。用 8 次多项式在 $[0, 1]$ 上拟合 $f^k$（$r = 3.9$）看一看：

# %%
GRID = np.linspace(0, 1, 2001)
POLY_DEGREE = 8  # 固定容量：f^k 是 2^k 次多项式，k ≤ 3 时可以精确表示
for k in range(1, 7):
    f_k = GRID.copy()
    for _ in range(k):
        f_k = logistic_map(f_k, 3.9)
    fit = np.polynomial.Polynomial.fit(GRID, f_k, POLY_DEGREE)
    print(f"k = {k}: 8 次多项式拟合 f^k 的最大误差 μ_o = {np.abs(fit(GRID) - f_k).max():.2e}")

# %% [markdown]
# $k \le 3$ 时误差只是舍入量级，$k \ge 4$ 后 $\mu_o$ 迅速增大到与 $x$ 本身同一量级。所以两种做法各有代价：迭代式把小误差反复放大，一对多要学越来越难的映射。
#
# ### 9.3 交互：误差累积
#
# 控件里的系统是 $x_{k+1} = L x_k$（任何系统在不动点附近的线性化），它的 Lipschitz 常数恰为 $L$。
# 单步模型要么每步都加 $+\mu$（最坏情形，误差恰好等于界），要么加 $[-\mu, \mu]$ 内的随机误差（误差部分抵消，远低于界）。
# 拖动 $L$ 跨过 1，观察迭代式的界从收敛、线性到指数增长的转变。

# %%
from rnn_course.widgets.error_accumulation import error_accumulation_widget

error_accumulation_widget()
