# %% [markdown]
# ## 10 控制生成过程（controlling generation）<a id="sec-generation-control"></a>
#
# 自回归模型给出每一步的条件分布 $p(y_t \mid y_{<t})$，一条序列的概率是它们的乘积，对数概率是和：
# $\log p(y_{1:n}) = \sum_t \log p(y_t \mid y_{<t})$。解码（decoding）要从指数多的候选序列里挑一条：
#
# - **贪心解码**（greedy decoding）：每一步取当前最可能的词，只保留一条假设；
# - **束搜索**（beam search）：每一步把所有活着的假设各扩展一个词，按总对数概率保留最好的 $B$ 个（束宽 beam size），以 `<eos>` 结尾的假设结束；
# - **穷举搜索**（exhaustive search）：列出所有序列，取概率最大的那条。只在词表和长度都很小时可行。
#
# ### 10.1 贪心会错过最优序列
#
# 用一个固定种子生成的玩具二元（bigram）语言模型：词表是 `<eos>` 与 4 个词“甲乙丙丁”，下一个词只依赖上一个词，最多生成 5 个词，
# 第一步不允许直接输出 `<eos>`。可能的输出有两类：1 到 4 个词后接 `<eos>`，共 $4 + 4^2 + 4^3 + 4^4 = 340$ 条；
# 5 个词后因长度上限结束，共 $4^5 = 1024$ 条。合计 1364 条，穷举完全可行。先核对条数，再确认概率之和为 1。

# %%
from rnn_course.generation import (BOS_TOKEN, TOKEN_NAMES, beam_search_trace, bigram_from_logits, exhaustive_scores,
                                   greedy_decode, tokens_to_text, toy_logits)

TOY_SEED, TOY_SCALE = 5, 2.0  # 种子 5：贪心出错的一个例子；下面统计 100 个种子上的出错频率
toy_model = bigram_from_logits(toy_logits(TOY_SEED, TOY_SCALE))
sequences, scores = exhaustive_scores(toy_model)
assert len(sequences) == 4 + 4**2 + 4**3 + 4**4 + 4**5
print(f"可能的输出共 {len(sequences)} 条，概率之和 = {np.exp(scores).sum():.12f}")

print("上一个词 →", "  ".join(f"{name:>5}" for name in TOKEN_NAMES))
for row, name in [(BOS_TOKEN, "<bos>")] + list(enumerate(TOKEN_NAMES))[1:]:
    print(f"{name:>8}  ", "  ".join(f"{p:5.2f}" for p in np.exp(toy_model.log_probs[row])))

# %% [markdown]
# 概率之和为 1，说明枚举既无遗漏也无重复。第一步最可能的是“丁”（0.48），但“乙”（0.40）后面接的路径更确定。比较三种解码：

# %%
greedy_tokens, greedy_score = greedy_decode(toy_model)
best_index = int(np.argmax(scores))
print(f"贪心:        {tokens_to_text(greedy_tokens)}  log p = {greedy_score:.4f}")
for beam_size in [1, 2, 3]:
    beam_tokens, beam_score, _ = beam_search_trace(toy_model, beam_size)
    print(f"束搜索 B = {beam_size}: {tokens_to_text(beam_tokens)}  log p = {beam_score:.4f}")
print(f"穷举:        {tokens_to_text(sequences[best_index])}  log p = {scores[best_index]:.4f}")

assert greedy_score < scores[best_index] - 1e-9
assert abs(beam_search_trace(toy_model, 2)[1] - scores[best_index]) < 1e-12

# %% [markdown]
# 贪心（等价于 $B = 1$）被第一步的高概率词带偏；$B = 2$ 在第一步同时保留了“丁”和“乙”，最后找到了穷举的最优序列。
#
# 束宽足够大时束搜索就是穷举：每步的候选不超过 $5 \times 4^{k-1}$ 个，$B \ge 4^5 = 1024$ 时没有任何候选被剪掉。
# 下面在 100 个随机玩具模型（种子 0–99）上统计各束宽找到穷举最优的比例：

# %%
NUM_MODELS = 100
beam_sizes = [1, 2, 3, 5, 8, 1024]
found = np.zeros((NUM_MODELS, len(beam_sizes)), dtype=bool)
greedy_found = np.zeros(NUM_MODELS, dtype=bool)
for seed in range(NUM_MODELS):
    model = bigram_from_logits(toy_logits(seed, TOY_SCALE))
    best = exhaustive_scores(model)[1].max()
    greedy_found[seed] = greedy_decode(model)[1] >= best - 1e-12
    for column, beam_size in enumerate(beam_sizes):
        found[seed, column] = beam_search_trace(model, beam_size)[1] >= best - 1e-12
print(f"贪心找到最优: {greedy_found.mean():.0%}")
for column, beam_size in enumerate(beam_sizes):
    print(f"束宽 B = {beam_size:4d} 找到最优: {found[:, column].mean():.0%}")
assert found[:, -1].all()
assert np.array_equal(found[:, 0], greedy_found)

# %% [markdown]
# 贪心只在约三分之二的模型上找到最优；$B = 2$ 已到九成，$B = 8$ 在这 100 个模型上已全部找到；$B = 1024$ 则在任何模型上都与穷举一致（它就是穷举）。
# 束宽带来的收益递减，这也是实践中常用 $B$ 在 4 到 10 之间的原因之一。
#
# **长度归一化**（length normalization）：以上都按总对数概率比较，不做归一化。每多一个词，总对数概率就多加一个负数，
# 所以这个准则偏爱短序列。常见的修正是除以长度（或长度的 $\gamma$ 次方）。换一个模型（种子 1）看它会改变什么：

# %%
model_1 = bigram_from_logits(toy_logits(1, TOY_SCALE))
sequences_1, scores_1 = exhaustive_scores(model_1)
lengths_1 = np.array([len(tokens) - 1 for tokens in sequences_1])  # 生成的词数（含 <eos>）
by_total = int(np.argmax(scores_1))
by_mean = int(np.argmax(scores_1 / lengths_1))
print(f"按总 log p 最优:     {tokens_to_text(sequences_1[by_total])}  总 {scores_1[by_total]:.4f}，"
      f"每词 {scores_1[by_total] / lengths_1[by_total]:.4f}")
print(f"按每词平均 log p 最优: {tokens_to_text(sequences_1[by_mean])}  总 {scores_1[by_mean]:.4f}，"
      f"每词 {scores_1[by_mean] / lengths_1[by_mean]:.4f}")

# %% [markdown]
# 不归一化时赢家只有一个词；按每词平均对数概率比较，5 个词的序列胜出。两种准则回答的是不同的问题：前者是“整条序列最可能是什么”，后者是“每一步平均有多确定”。
#
# ### 10.2 熵匹配损失
#
# 束搜索找的是概率最大的序列，不管输出是否多样。模型也可能学得过于自信（低熵），总生成少数几种单调的序列。
# 熵匹配损失在交叉熵之外，惩罚预测分布的熵 $H(\hat p_t)$ 与目标分布的熵 $H(q_t)$ 之差：
#
# $$\mathcal L = \sum_{t=1}^{T} \mathrm{CE}(q_t \,\|\, \hat p_t) + \alpha \sum_{t=1}^{T} \big(H(\hat p_t) - H(q_t)\big)^2,\qquad
#   \mathrm{CE}(q\|\hat p) = -\sum_v q_v \ln \hat p_v,\quad H(p) = -\sum_v p_v \ln p_v,$$
#
# 都用自然对数（单位奈特），约定 $0 \cdot \ln 0 = 0$。下面是一个 $T = 3$、词表大小 4 的例子：目标分布多样，预测很自信；第三行的目标含 0，用来检查约定。

# %%
from torch.distributions import Categorical

q = torch.tensor([[0.4, 0.3, 0.2, 0.1],
                  [0.25, 0.25, 0.25, 0.25],
                  [0.5, 0.5, 0.0, 0.0]], dtype=torch.float64)  # 目标 q_t，(T, V)
z = torch.tensor([[4.0, 0.0, 0.0, 0.0],
                  [0.0, 3.0, 0.0, 0.0],
                  [3.0, 0.0, 0.0, 0.0]], dtype=torch.float64, requires_grad=True)  # 自信的 logits
p_hat = torch.softmax(z, dim=-1)
H_p = Categorical(probs=p_hat).entropy()  # (T,)
H_q = Categorical(probs=q).entropy()  # (T,)，q_v = 0 的项按 0·ln 0 = 0 处理
cross_entropy = -(q * torch.log(p_hat)).sum()  # p̂ 处处为正，q_v = 0 的项正好为 0
entropy_gap = ((H_p - H_q) ** 2).sum()

assert abs(H_q[2].item() - math.log(2)) < 1e-12
print("H(q_t)  =", np.round(H_q.detach().numpy(), 4))
print("H(p̂_t) =", np.round(H_p.detach().numpy(), 4))
print(f"Σ CE = {cross_entropy.item():.4f}，Σ (H(p̂) − H(q))² = {entropy_gap.item():.4f}")
for alpha in [0.0, 0.5, 1.0, 2.0]:
    print(f"α = {alpha}: 损失 L = {(cross_entropy + alpha * entropy_gap).item():.4f}")

# %% [markdown]
# 预测的熵（约 0.3–0.5 奈特）远低于目标（约 0.7–1.4 奈特），所以 $\alpha$ 越大，自信的预测受到的惩罚越重；第三行的 $H(q) = \ln 2$ 说明 $0\cdot\ln 0$ 的约定生效了。
#
# 熵项的梯度有闭式解。对 logits 求导，$\partial H/\partial z_i = -\hat p_i(\ln \hat p_i + H)$，于是
# $\partial\, \alpha(H - H_q)^2/\partial z_i = -2\alpha(H - H_q)\,\hat p_i(\ln\hat p_i + H)$。下面与自动微分对照，再沿负梯度走一小步，看熵往哪边动。

# %%
ALPHA = 2.0
(grad_autograd,) = torch.autograd.grad(ALPHA * entropy_gap, z, retain_graph=True)
with torch.no_grad():
    dH_dz = -p_hat * (torch.log(p_hat) + H_p.unsqueeze(1))
    grad_closed = 2 * ALPHA * (H_p - H_q).unsqueeze(1) * dH_dz
print(f"自动微分与闭式梯度的最大差: {(grad_autograd - grad_closed).abs().max().item():.1e}")
assert torch.allclose(grad_autograd, grad_closed, atol=1e-12)

STEP_SIZE = 0.1
for alpha in [0.0, ALPHA]:
    (grad,) = torch.autograd.grad(cross_entropy + alpha * entropy_gap, z, retain_graph=True)
    with torch.no_grad():
        H_after = Categorical(logits=z - STEP_SIZE * grad).entropy()
    print(f"α = {alpha}: 一步梯度下降后 |H(p̂) − H(q)| 从 {np.round((H_p - H_q).abs().detach().numpy(), 3)} "
          f"变为 {np.round((H_after - H_q).abs().numpy(), 3)}")

# %% [markdown]
# 闭式解与自动微分一致到舍入误差。同样的步长下，$\alpha = 2$ 的一步比只用交叉熵的一步把每一行的熵差缩小得更多：熵项的梯度把预测的熵推向目标的熵。
#
# 还要说清楚这个损失**不做**什么：若模型能精确表示 $q_t$，两项在 $\hat p_t = q_t$ 处同时取最小，$\alpha$ 不改变最优解，只改变到达它的路径。
# $\alpha$ 真正起作用的是模型表示不了 $q_t$ 的时候。下面是这种情形：模型的 logits 是数据 logits 加上固定噪声（一个不完美的模型），只有一个可调的逆温度 $\beta$，
# $\hat p_t = \mathrm{softmax}(\beta\,\ell_t)$，在细网格上取使 $\mathcal L$ 最小的 $\beta^\star$（与 10.3 节的控件相同）。

# %%
from rnn_course.generation import fit_inverse_temperature, sample_sequences, sequence_entropy
from rnn_course.widgets.beam_search import data_and_model_logits

data_logits, model_logits = data_and_model_logits()
H_data = Categorical(logits=torch.tensor(data_logits)).entropy().sum().item()
print(f"目标各行的熵之和 Σ H(q_t) = {H_data:.4f}")
print("  α     β*     Σ CE     Σ 熵差²   Σ H(p̂_t)")
trade_off = []  # (α, Σ CE, Σ 熵差²)
for alpha in [0.0, 0.5, 1.0, 2.0, 5.0]:
    beta, ce_curve, gap_curve = fit_inverse_temperature(data_logits, model_logits, alpha)
    index = int(np.argmin(ce_curve + alpha * gap_curve))
    H_model = Categorical(logits=torch.tensor(beta * model_logits)).entropy().sum().item()
    print(f"{alpha:4.1f}  {beta:5.3f}  {ce_curve[index]:7.4f}  {gap_curve[index]:8.4f}  {H_model:8.4f}")
    if trade_off:  # 罚函数法的性质：α 增大时，交叉熵不降，熵差项不升
        assert ce_curve[index] >= trade_off[-1][1] - 1e-12
        assert gap_curve[index] <= trade_off[-1][2] + 1e-12
    trade_off.append((alpha, ce_curve[index], gap_curve[index]))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
axes[0].plot(beam_sizes[:-1], found[:, :-1].mean(axis=0) * 100, "o-", color="tab:blue")
axes[0].set_xlabel("束宽 B（B = 1 即贪心）")
axes[0].set_ylabel("找到穷举最优的模型比例（%）")
axes[0].set_title("100 个玩具模型上束搜索的成功率")
axes[0].grid(alpha=0.3)
alphas, ce_values, gap_values = zip(*trade_off, strict=True)
axes[1].plot(gap_values, ce_values, "o-", color="tab:purple")
for alpha, gap, ce in zip(alphas, gap_values, ce_values, strict=True):
    axes[1].annotate(f"α = {alpha}", (gap, ce), textcoords="offset points", xytext=(5, 5), fontsize=8)
axes[1].set_xlabel("熵差 Σ (H(预测分布) − H(目标分布))²（奈特²）")
axes[1].set_ylabel("交叉熵之和 Σ CE（奈特）")
axes[1].set_title("熵匹配的权衡：准确性与熵差")
axes[1].grid(alpha=0.3)
plt.show()

# %% [markdown]
# 左图：束宽从 1 增到 2 收益最大，之后收益递减，B = 8 时已全部找到。右图：从 $\alpha = 0$ 到 5，每一点向左（熵差变小）、向上（交叉熵变大）移动。
# $\alpha$ 越大，交叉熵（准确性）越差，熵差越小：这就是 $\alpha$ 的权衡。注意方向：在这个模型族里，只用交叉熵拟合（$\alpha = 0$）得到的预测熵之和**高于**目标。
# 这不是巧合：交叉熵最优的 $\beta$ 满足 $\sum_t \mathbb E_{\hat p_t}[\ell_t] = \sum_t \mathbb E_{q_t}[\ell_t]$，而在满足这个约束的所有分布中，指数族 $\mathrm{softmax}(\beta\ell)$ 的熵最大（最大熵原理），
# 所以只调温度的交叉熵拟合在总体上不会过度自信，熵匹配项在这里把熵往下拉。过度自信通常来自别处，例如在少量样本上过拟合，这时熵匹配项会把熵往上推，就像上面那个手写的例子。
#
# 温度改变了输出序列的多样性。用精确枚举算出输出序列分布的熵，并各采样 200 条序列，数一数不同输出的个数：

# %%
for alpha in [0.0, 5.0]:
    beta, _, _ = fit_inverse_temperature(data_logits, model_logits, alpha)
    fitted = bigram_from_logits(model_logits, beta)
    samples = sample_sequences(fitted, 200, seed=SEED)
    H_sequences = sequence_entropy(fitted)
    print(f"α = {alpha}: β* = {beta:.3f}，输出序列的熵 {H_sequences:.3f} 奈特（e^H ≈ {math.exp(H_sequences):.0f} 条），"
          f"200 次采样中不同输出 {len(set(samples))} 个，B = 3 束搜索输出 {tokens_to_text(beam_search_trace(fitted, 3)[0])}")
print(f"数据分布本身：输出序列的熵 {sequence_entropy(bigram_from_logits(data_logits)):.3f} 奈特")

# %% [markdown]
# $\alpha$ 从 0 增大到 5，输出序列的熵向数据分布的熵靠近，不同输出的个数随之减少。束搜索只给出一条最可能的序列，它本身不产生多样性；多样性来自采样，而熵匹配控制的是采样分布的“宽度”。
#
# ### 10.3 交互：束宽与熵匹配
#
# 左图是束搜索树：每一列是一步，纵轴是束内名次，标注为前缀与累计对数概率，红方块是以 `<eos>` 结束的假设。
# 右图是输出序列的熵随 $\alpha$ 的变化。增大 $B$ 看搜索树变宽、结果向穷举最优靠拢；改变 $\alpha$ 看模型温度、搜索树和多样性一起变化。

# %%
from rnn_course.widgets.beam_search import beam_search_widget

beam_search_widget()
