# %% [markdown]
# ## 8 指针网络（pointer networks）<a id="sec-pointer"></a>
#
# 有些任务的输出就是输入里的位置：排序要输出输入元素的一个排列，旅行商问题（TSP）要输出城市的访问顺序。
# 这类任务的“词表”随输入而变：长度为 $T_x$ 的输入只有 $T_x$ 个可选答案。
#
# 普通 seq2seq 解码器用注意力权重算出上下文向量，再经过固定大小的 softmax 输出层映射到词表。
# **指针网络**（Pointer Network）跳过这一层，直接把注意力权重当作输出分布：
#
# $$p(y_t = i \mid y_{<t}, x) = \alpha_{t,i} = \frac{\exp(u_{t,i})}{\sum_{j=1}^{T_x} \exp(u_{t,j})},\qquad i = 1, \dots, T_x,$$
#
# 其中 $u_{t,i}$ 是解码器状态与第 $i$ 个编码器状态的打分。输出空间的大小等于 $T_x$，随输入动态变化，模型参数个数与 $T_x$ 无关。
#
# ### 8.1 零参数 softmax 解码器的损失是 $T \ln T$
#
# 考虑对齐任务 $y_t = t$（$t = 1, \dots, T$，输入输出等长）。若 softmax 解码器的输出层参数全为 0，
# 无论注意力算出什么上下文，logits 都是 0，预测是 $T$ 个位置上的均匀分布，每步交叉熵为 $\ln T$，整条序列的损失为
#
# $$\mathcal L_{\text{soft}} = \sum_{t=1}^{T} -\ln\frac1T = T \ln T\ \text{（奈特）}.$$
#
# 下面用 `F.cross_entropy` 直接算，和公式对照。

# %%
import torch.nn.functional as F

from rnn_course.pointer import (evaluate_alignment_pointer, sharp_pointer_loss, train_alignment_pointer,
                                uniform_softmax_loss)

for T in [2, 5, 10, 50]:
    logits = torch.zeros(T, T)  # 输出层参数为 0：每一步的 T 个 logits 都是 0
    targets = torch.arange(T)  # y_t = t
    computed = F.cross_entropy(logits, targets, reduction="sum").item()
    assert abs(computed - T * math.log(T)) < 1e-4 * T * math.log(T)
    print(f"T = {T:2d}: 交叉熵之和 = {computed:9.4f}，T·ln T = {T * math.log(T):9.4f}")

# %% [markdown]
# 两列一致（差别在 float32 舍入以内）。这个损失随 $T$ 超线性增长，而且与输入内容无关：输出层不学习，就无从知道该指向哪里。
#
# ### 8.2 训练一个指针网络
#
# `rnn_course.pointer.PointerNetwork` 是一个小型指针网络：GRU 编码器读入 $x_1..x_T$（每个 $x_i$ 是 8 维高斯随机向量）得到 $e_i$，
# GRU 解码器以上一步所指的输入为输入（教师强制，teacher forcing）得到 $d_t$，打分 $u_{t,i} = (W_q d_t)\cdot(W_k e_i)$。
# 训练时序列长度在 2 到 12 之间轮换，共 300 步，在 CPU 上只需几秒。

# %%
TRAIN_LENGTHS = (2, 4, 6, 8, 10, 12)
pointer_model, train_losses = train_alignment_pointer(lengths=TRAIN_LENGTHS, num_steps=300, seed=SEED)
num_parameters = sum(p.numel() for p in pointer_model.parameters())
print(f"参数个数 {num_parameters}；最后 6 步（T = 2..12）的平均损失 {np.mean(train_losses[-6:]):.3f} 奈特，设备 CPU")

# %% [markdown]
# 训练损失已经很小。接下来在新的随机输入上（另一个种子）评估，长度包括训练时没见过的 16 和 24，并计算优势 $A = \mathcal L_{\text{soft}} - \mathcal L_{\text{ptr}}$。

# %%
EVAL_LENGTHS = [2, 4, 8, 12, 16, 24]
pointer_losses = {T: evaluate_alignment_pointer(pointer_model, T) for T in EVAL_LENGTHS}
print(" T   L_soft = T·ln T   L_ptr    A = L_soft − L_ptr")
for T, L_ptr in pointer_losses.items():
    L_soft = float(uniform_softmax_loss(T))
    print(f"{T:2d}   {L_soft:12.3f}   {L_ptr:7.3f}   {L_soft - L_ptr:9.3f}")
    assert L_ptr < L_soft

# %% [markdown]
# 在训练见过的长度上，指针网络的整条序列损失不到 1 奈特，优势 $A$ 几乎等于 $T \ln T$ 本身。
# 长度 16 与 24 超出了训练范围，损失明显上升，但仍远低于 $T\ln T$：同一组参数可以处理任意长度的输入，只是外推的精度有限。
#
# 看一条 $T = 8$ 的序列上的注意力矩阵 $\alpha$：每一行应当集中在对角线上。

# %%
from rnn_course.pointer import alignment_batch

with torch.no_grad():
    x_eval, y_eval = alignment_batch(8, 1, torch.Generator().manual_seed(SEED))
    alpha = pointer_model(x_eval, y_eval).exp()[:, 0]  # (T_y, T_x)
print("对角线上的 α_{t,t}:", np.round(alpha.diagonal().numpy(), 3))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
image = axes[0].imshow(alpha.numpy(), cmap="Blues", vmin=0, vmax=1)
axes[0].set_title("指针网络的 α（T = 8）")
axes[0].set_xlabel("输入位置 i")
axes[0].set_ylabel("解码步 t")
axes[0].set_xticks(range(8), range(1, 9))
axes[0].set_yticks(range(8), range(1, 9))
fig.colorbar(image, ax=axes[0], label="指针概率 α")
lengths = np.arange(2, 25)
axes[1].plot(lengths, uniform_softmax_loss(lengths), color="tab:red", label="零参数 softmax：T·ln T")
axes[1].plot(EVAL_LENGTHS, list(pointer_losses.values()), "o-", color="tab:green", label="训练得到的指针网络")
axes[1].axvspan(2, 12, color="gray", alpha=0.15, label="训练见过的长度")
axes[1].set_xlabel("序列长度 T")
axes[1].set_ylabel("整条序列的交叉熵（奈特）")
axes[1].set_title("对齐任务 y_t = t 的损失")
axes[1].legend(fontsize=8)
axes[1].grid(alpha=0.3)
plt.show()

# %% [markdown]
# 左图几乎是单位矩阵：网络学会了“指向第 $t$ 个输入”。它靠内容匹配做到这一点：解码器读到上一步所指的 $x_{t-1}$，编码器状态 $e_t$ 里也记着 $x_{t-1}$，两者点积最大。
#
# ### 8.3 输出排列时屏蔽已选位置
#
# 排序、TSP 的输出是输入的一个**排列**：每个位置恰好选一次。指针解码器在第 $t$ 步把已经选过的位置的打分设为 $-\infty$，
# softmax 后这些位置的概率恰为 0，剩下的概率重新归一化。下面用一个手写的打分 $u_{t,i} = -\beta x_i$（越小越优先）对 5 个数排序，比较有无屏蔽。

# %%
values = torch.tensor([0.7, 0.1, 0.9, 0.4, 0.2])
SHARPNESS = 5.0  # β：打分的锐度
scores = -SHARPNESS * values  # 每一步的打分相同，(T_x,)

for use_mask in [False, True]:
    chosen = torch.zeros(len(values), dtype=torch.bool)
    order = []
    for t in range(len(values)):
        u_t = scores.masked_fill(chosen, float("-inf")) if use_mask else scores
        alpha_t = torch.softmax(u_t, dim=0)
        i = int(alpha_t.argmax())
        order.append(i)
        chosen[i] = True
    print(f"{'有' if use_mask else '无'}屏蔽: 选出的位置 {order}，对应的值 {[round(v, 2) for v in values[order].tolist()]}")
print("最后一步（有屏蔽）的 α:", np.round(alpha_t.numpy(), 3))
assert order == torch.argsort(values).tolist()

# %% [markdown]
# 没有屏蔽时，每一步都指向同一个最小值；有屏蔽时得到升序排列，最后一步的 $\alpha$ 只剩一个非零位置。
#
# 屏蔽还让概率“不浪费”：带屏蔽的解码器给所有 $T!$ 个排列的概率之和恰为 1，而不带屏蔽的解码器把一部分概率给了含重复位置的序列。用 $T = 4$ 穷举验证：

# %%
import itertools


def permutation_probability(perm, masked):
    """按指针解码器逐步相乘，返回输出排列 perm 的概率。"""
    chosen = torch.zeros(len(perm), dtype=torch.bool)
    probability = 1.0
    for i in perm:
        u_t = scores[:4].masked_fill(chosen, float("-inf")) if masked else scores[:4]
        probability *= torch.softmax(u_t, dim=0)[i].item()
        chosen[i] = True
    return probability


for masked in [True, False]:
    total = sum(permutation_probability(perm, masked) for perm in itertools.permutations(range(4)))
    print(f"{'有' if masked else '无'}屏蔽：全部 24 个排列的概率之和 = {total:.6f}")

# %% [markdown]
# 有屏蔽时和为 1（一个合法的排列分布）；无屏蔽时合法排列只分到约 0.2% 的概率，其余都给了含重复位置的序列。
#
# ### 8.4 交互：指针与 softmax 的损失
#
# 曲线是闭式解：红线为零参数 softmax 的 $T\ln T$；蓝线为“理想指针”，它在正确位置打分 $s$、其余位置打分 0，
# 每步损失 $\ln(1 + (T-1)e^{-s})$，整条序列 $T\ln(1 + (T-1)e^{-s})$。绿点是上面训练的网络的实测损失（控件不在更新时训练）。
# 拖动 $T$ 与锐度 $s$：$s = 0$ 时指针退化为均匀分布，两条曲线重合。

# %%
from rnn_course.widgets.pointer_vs_softmax import pointer_vs_softmax_widget

assert np.allclose(sharp_pointer_loss(EVAL_LENGTHS, 0.0), uniform_softmax_loss(EVAL_LENGTHS))
pointer_vs_softmax_widget(trained_losses=pointer_losses)
