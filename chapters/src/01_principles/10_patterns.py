# %% [markdown]
# ## 1 四种输入输出模式（input/output patterns）<a id="sec-patterns"></a>
#
# 标准 RNN 每读入一个 $x_t$ 就更新一次隐藏状态（hidden state）：
#
# $$h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b_h).$$
#
# 循环单元本身不变，变的是**读取哪些输出、在哪些时间步计算损失**。按输入序列与输出序列的对应关系，可以分成四种模式：
#
# | 模式 | 输入 → 输出 | 典型任务 | 读取的输出 | 监督位置 |
# |---|---|---|---|---|
# | 多对一（many-to-one） | $x_{1:T}$ → 一个 $y$ | 情感分析（sentiment analysis） | 只读最后的 $h_T$ | 1 处 |
# | 一对多（one-to-many） | 一个输入 → $y_{1:T_y}$ | 图像描述（image captioning） | 解码器每一步 | $T_y$ 处 |
# | 对齐的多对多（aligned many-to-many） | $x_{1:T}$ → $y_{1:T}$，逐位置对应 | 词性标注（POS tagging） | 每一步的 $h_t$ | $T$ 处 |
# | 非对齐多对多（unaligned many-to-many，seq2seq） | $x_{1:T_x}$ → $y_{1:T_y}$，$T_x \ne T_y$ | 机器翻译 | 编码器只交出最终状态，解码器每一步输出 | $T_y$ 处 |
#
# 下面用 `torch.nn.RNN` 把四种模式各搭一遍，只看张量形状。`nn.RNN` 默认按 (时间步, 批量, 特征) 排列，
# 返回两个张量：每一步的输出 `outputs`，形状 $(T, B, H)$；最后的隐藏状态 `h_T`，形状 $(\text{层数}, B, H)$。

# %%
from torch import nn

torch.manual_seed(SEED)
batch_size, num_steps = 4, 6
input_size, hidden_size = 8, 16
num_classes, num_tags, vocab_size = 3, 5, 20

encoder = nn.RNN(input_size, hidden_size)
x = torch.randn(num_steps, batch_size, input_size)   # (T, B, D)
outputs, h_T = encoder(x)                            # (T, B, H), (1, B, H)
print("x:", tuple(x.shape), " outputs:", tuple(outputs.shape), " h_T:", tuple(h_T.shape))
print("最后一步的输出就是最终隐藏状态:", torch.equal(outputs[-1], h_T[0]))

# %% [markdown]
# 单层单向 RNN 的 `outputs[-1]` 与 `h_T[0]` 完全相同，所以“只读最后一步”和“读最终状态”是一回事。
#
# **多对一**：整条序列只有一个标签，分类头只作用在 $h_T$ 上，损失只在最后一步计算。

# %%
classifier = nn.Linear(hidden_size, num_classes)
logits = classifier(h_T[0])                                  # (B, C)：每条序列一个预测
labels = torch.randint(num_classes, (batch_size,))           # (B,)：每条序列一个标签
loss = nn.functional.cross_entropy(logits, labels)
print("多对一  logits:", tuple(logits.shape), " labels:", tuple(labels.shape), f" loss = {loss.item():.4f}")

# %% [markdown]
# 损失只依赖 $h_T$；前面各步的 $h_t$ 只能通过 $h_T$ 间接得到梯度，这一点在第 3 节会变得很重要。
#
# **对齐的多对多**：每个位置一个标签，分类头作用在每一步的输出上，$T$ 个位置都受监督。

# %%
tagger = nn.Linear(hidden_size, num_tags)
tag_logits = tagger(outputs)                                 # (T, B, 标签数)
tags = torch.randint(num_tags, (num_steps, batch_size))      # (T, B)
loss = nn.functional.cross_entropy(tag_logits.reshape(-1, num_tags), tags.reshape(-1))
print("对齐多对多  logits:", tuple(tag_logits.shape), " tags:", tuple(tags.shape), f" loss = {loss.item():.4f}")

# %% [markdown]
# `reshape(-1, num_tags)` 把时间步与批量合并成 $T \cdot B = 24$ 个独立的分类问题，每个位置一个损失项。
#
# **一对多**：单个输入（例如一张图的特征向量）先映射成解码器的初始状态 $h_0$，
# 解码器再逐步生成 $T_y$ 个词元。训练时第 $t$ 步的输入是正确答案的第 $t-1$ 个词元（教师强制，teacher forcing）。

# %%
feature_size, caption_length = 32, 7
image_feature = torch.randn(batch_size, feature_size)              # (B, F)：每张图一个向量
init_state = nn.Linear(feature_size, hidden_size)
embedding = nn.Embedding(vocab_size, input_size)
decoder = nn.RNN(input_size, hidden_size)
to_vocab = nn.Linear(hidden_size, vocab_size)

h_0 = torch.tanh(init_state(image_feature)).unsqueeze(0)           # (1, B, H)：层数维放在最前
caption = torch.randint(vocab_size, (caption_length, batch_size))  # (T_y, B)：目标词元
decoder_inputs = embedding(caption[:-1])                           # (T_y − 1, B, D)：右移一位
decoder_outputs, _ = decoder(decoder_inputs, h_0)
word_logits = to_vocab(decoder_outputs)                            # (T_y − 1, B, |V|)
print("一对多  h_0:", tuple(h_0.shape), " word_logits:", tuple(word_logits.shape),
      " targets:", tuple(caption[1:].shape))

# %% [markdown]
# 第一个词元 `caption[0]` 当作起始符（BOS）只作输入，所以受监督的是后面的 $T_y - 1 = 6$ 步，
# 每一步都预测下一个词元。
#
# **非对齐多对多（序列到序列，seq2seq）**：编码器读完 $T_x$ 步输入，只把最终状态交给解码器；
# 解码器的步数 $T_y$ 与 $T_x$ 无关。

# %%
source_length, target_length = 9, 5
source = torch.randn(source_length, batch_size, input_size)        # (T_x, B, D)
_, context = encoder(source)                                       # (1, B, H)：整条输入压成一个向量
target = torch.randint(vocab_size, (target_length + 1, batch_size))
target_outputs, _ = decoder(embedding(target[:-1]), context)       # (T_y, B, H)
target_logits = to_vocab(target_outputs)                           # (T_y, B, |V|)
print("seq2seq  T_x =", source_length, " context:", tuple(context.shape),
      " target_logits:", tuple(target_logits.shape), " T_y =", target_length)

# %% [markdown]
# 输入有 9 步、输出有 5 步，两者之间唯一的通道是形状为 $(1, B, H)$ 的 `context`。
# 无论输入多长，它的大小都是 $H = 16$ 个数，第 5 节会计算这个“瓶颈”到底要多宽。
#
# 四种模式的状态形状归纳如下（单层单向）：编码器状态 $h_t \in \mathbb{R}^{B \times H}$，
# 每步输出叠成 $(T, B, H)$；多对一读 $(B, H)$ 的最终状态；对齐多对多读全部 $(T, B, H)$；
# 一对多与 seq2seq 的解码器从 $(1, B, H)$ 的初始状态出发，输出 $(T_y, B, H)$。
