# %% [markdown]
# ## 5 序列到序列与信息瓶颈（seq2seq and the information bottleneck）<a id="sec-bottleneck"></a>
#
# 输入与输出长度不同且不逐位对齐时（如机器翻译），用**序列到序列**（sequence to sequence，seq2seq）架构：
# **编码器**（encoder）读完整个输入，把它压成一个固定大小的**上下文向量**（context vector）$c \in \mathbb{R}^{d_h}$；
# **解码器**（decoder）以 $c$ 为初始状态，自回归地逐个生成输出。输入与输出的时间步因此解耦，
# 代价是所有信息都必须挤过 $c$：这就是**信息瓶颈**（information bottleneck）。
#
# ### 5.1 需要多宽的 $c$？
#
# 1. **容量**：若 $c$ 的每一维量化为 $q$ 比特，它最多有 $2^{d_h q}$ 种取值，所以熵 $H(c) \le d_h\, q$。
# 2. **数据处理不等式**（data-processing inequality）：输出只能通过 $c$ 得知输入，$I(c;\, y_{1:T_y}) \le H(c)$。
# 3. **需要的信息**：$I(c;\, y) = H(y) - H(y \mid c)$。解码器每个词元的交叉熵 $H_{CE}$（以比特计）
#    是条件熵的上界，$H(y \mid c) \le T_y H_{CE}$，所以 $I(c;\, y) \ge H(y) - T_y H_{CE}$。
# 4. **近似**：再把 $H(y)$ 换成 $T_y \log_2|V|$，得到常用的估计
#
# $$I(c;\, y_{1:T_y}) \approx T_y\,(\log_2|V| - H_{CE}) \quad\Longrightarrow\quad d_h\, q \ge T_y\,(\log_2|V| - H_{CE}).$$
#
# **注意（对常见说法的修正）**：第 4 步不是恒等式。$T_y \log_2|V|$ 是 $H(y)$ 的**上界**，只有当每个输出词元在词表上均匀分布且彼此独立时才取等。
# 真实文本的边缘熵远低于 $\log_2|V|$，因此这个式子是上界式的估计：它高估所需的信息量，给出的 $d_h$ 偏保守。
# 交叉熵若以 nat 为单位，先除以 $\ln 2$ 换成比特。

# %%
from rnn_course.memory import bottleneck_requirement

T_y, vocab_size, ce_bits, bits_per_dim = 20, 10_000, 2.0, 8
need = bottleneck_requirement(T_y, vocab_size, ce_bits, bits_per_dim)
print(f"log2|V| = {math.log2(vocab_size):.4f} 比特，每个词元需要 {need.bits_per_token:.4f} 比特")
print(f"T_y·(log2|V| − H_CE) = {need.required_bits:.4f} 比特 → 所需 d_h = {need.hidden_size}")
assert need.hidden_size * bits_per_dim >= need.required_bits > (need.hidden_size - 1) * bits_per_dim

# %% [markdown]
# 20 个词元、每个约 11.29 比特，共约 225.75 比特；每维 8 比特时 $d_h = \lceil 225.75/8 \rceil = 29$，
# 断言确认 29 维够用而 28 维不够。下面看 $d_h$ 怎样随输出长度 $T_y$ 和交叉熵 $H_{CE}$ 变化（$|V| = 10\,000$，$q = 8$）。

# %%
lengths, ce_levels = [5, 10, 20, 50, 100], [0.0, 2.0, 5.0, 10.0, 13.0]
print("H_CE \\ T_y " + "".join(f"{length:>7d}" for length in lengths))
for ce in ce_levels:
    sizes = [bottleneck_requirement(length, vocab_size, ce, bits_per_dim).hidden_size for length in lengths]
    print(f"{ce:8.1f}    " + "".join(f"{size:>7d}" for size in sizes))

# %% [markdown]
# 每一行随 $T_y$ 线性增长（$T_y$ 翻倍，$d_h$ 大约翻倍）；每一列随 $H_{CE}$ 增大而下降。
# 当 $H_{CE}$ 接近 $\log_2|V| \approx 13.29$ 时，模型几乎没从 $c$ 中得到信息，要求降到个位数；$H_{CE} \ge \log_2|V|$ 时要求为 0。
# 反过来读：任务要求越精确（$H_{CE}$ 越小）、输出越长，单个向量就越难装下，这正是长输入上 seq2seq 性能下降的一个原因。

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
all_lengths = np.arange(0, 201)
for ce in [0.0, 2.0, 5.0, 10.0]:
    sizes = [bottleneck_requirement(int(length), vocab_size, ce, bits_per_dim).hidden_size for length in all_lengths]
    ax.plot(all_lengths, sizes, label=f"H_CE = {ce:g} 比特")
ax.set(title="所需上下文维度 d_h（|V| = 10000，q = 8 比特/维）", xlabel="输出长度 T_y（词元）", ylabel="d_h")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# 四条线都是过原点的阶梯状直线，斜率为 $(\log_2|V| - H_{CE})/q$：交叉熵每降低 1 比特，每个输出词元就多要 $1/8$ 维。
#
# 这个估计有多保守？以服从 Zipf 分布（第 $r$ 常见的词元概率 $\propto 1/r$）的词表为例，比较真实的边缘熵与 $\log_2|V|$：

# %%
ranks = np.arange(1, vocab_size + 1)
zipf = (1 / ranks) / np.sum(1 / ranks)
zipf_entropy = -np.sum(zipf * np.log2(zipf))
print(f"Zipf 边缘熵 = {zipf_entropy:.3f} 比特/词元，而 log2|V| = {math.log2(vocab_size):.3f}")
zipf_bits = T_y * (zipf_entropy - ce_bits)
print(f"用 Zipf 熵代替 log2|V|：需要 {zipf_bits:.1f} 比特，d_h ≥ {math.ceil(zipf_bits / bits_per_dim)}（均匀假设给出 {need.hidden_size}）")

# %% [markdown]
# 即使词元彼此独立，Zipf 词表的边缘熵也只有约 9.53 比特，比 $\log_2|V|$ 少约 3.8 比特，所需 $d_h$ 从 29 降到 19；
# 词元之间的相关性还会让 $H(y)$ 继续下降。所以应把公式理解为“多宽一定够”的上界式估计，而不是精确的需求。
#
# 下面的控件可以改变 $T_y$、$|V|$、$H_{CE}$、$q$，读出所需的最小 $d_h$。

# %%
from rnn_course.widgets.bottleneck import bottleneck_widget

bottleneck_widget()

# %% [markdown]
# 瓶颈的根源是“无论输入多长，都只交出一个向量”。下一节的注意力机制让解码器每一步都回看整个输入，从结构上绕开它。
