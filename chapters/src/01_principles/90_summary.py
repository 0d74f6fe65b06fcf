# %% [markdown]
# ## 小结 <a id="sec-summary"></a>
#
# 下面的单元用闭式解重算本章的几个关键数字，之后逐条列出结论；各节的数值实验在对应的小节里。

# %%
INITIAL_INFORMATION, DECAY_RATE, NEGLIGIBLE = 1.0, math.log(2), 2.0**-12  # 互信息每步减半，阈值 2^-12
window = math.log(INITIAL_INFORMATION / NEGLIGIBLE) / DECAY_RATE
print(f"截断窗口 ln(I0/δ)/λ = {window:.6f}，取整后 K = {math.ceil(window - 1e-9)}")

a, h0 = 0.9, 1.0
print(f"每步累计损失的梯度极限 h0·a/(1 − a²) = {h0 * a / (1 - a**2):.4f}（a = {a}）")

future_coef, correlation = 0.8, 0.6
print(f"屏蔽未来训练：ρ → 1⁻ 时 w_b* → c·(1 − r²) = {future_coef * (1 - correlation**2):.3f}（c = 0.8，r = 0.6），ρ = 1 时不可辨识")

print(f"零参数 softmax 解码器在对齐任务上的损失 T·ln T = {10 * math.log(10):.3f} 奈特（T = 10）")

L, mu, a0, k = 1.0, 1e-3, 0.0, 200
print(f"L = 1 时迭代误差界 a0 + kμ = {a0 + k * mu:.3f}（μ = 1e-3，k = 200）；一对多的界保持 μ_o")

# %% [markdown]
# - **四种模式**（[第 1 节](#sec-patterns)）：多对一、一对多、对齐的多对多、非对齐的多对多（seq2seq）。同一个循环单元，区别在读取哪些输出、在哪些步计算损失。
# - **表达能力**（[第 2 节](#sec-expressivity)）：固定大小、有限精度的隐藏状态相当于有限状态自动机，只能识别正则语言。tanh 计数器在嵌套变深时饱和；加一个栈（压栈、弹栈、下溢检查）就能识别平衡括号。
# - **长程依赖**（[第 3 节](#sec-long-range)）：线性 RNN $h_t = a h_{t-1}$ 中，$\partial L_{\text{final}}/\partial h_1 = h_0 a^{2T-1}$，$|a| < 1$ 时随 $T$ 指数消失；
#   每步累计损失的 $\partial L_{\text{all}}/\partial h_1$ 收敛到 $h_0\,a/(1-a^2)$（$a = 0.9$ 时为 4.7368）；$|a| > 1$ 时两者都爆炸。
# - **截断 BPTT**（[第 4 节](#sec-tbptt)）：互信息按 $I_0 e^{-\lambda d}$ 衰减时取 $K \ge \ln(I_0/\delta)/\lambda$；每步减半、$\delta = 2^{-12} I_0$ 时 $K = 12$。
# - **信息瓶颈**（[第 5 节](#sec-bottleneck)）：上下文向量需满足 $d_h\,q \ge T_y(\log_2|V| - H_{CE})$。右边是假设输出词元均匀、独立时的上界式估计，不是恒等式。
# - **注意力**（[第 6 节](#sec-attention)）：上下文是值向量的凸组合；权重泄漏到无关位置的误差有界，注意力把对齐熵从均匀分布的 $\ln T_x$ 大幅降低。
# - **双向 RNN**（[第 7 节](#sec-bidirectional)）：`output[..., :H]` 是前向（只依赖 $x_{1..t}$），`output[..., H:]` 是后向（只依赖 $x_{t..T}$），由梯度检查证实。
#   以概率 $\rho$ 屏蔽未来训练时 $w_b^\star = c\,(1-r^2)/(1-(1-\rho)r^2)$：目标不依赖未来（$c = 0$）时为 0；
#   **$\rho = 1$ 时不可辨识**（损失与 $w_b$ 无关，梯度下降停在初值），只有权重衰减才把它压到 0，这一点修正了“$\rho = 1$ 时 $w_b^\star = 0$”这一常见说法。
# - **指针网络**（[第 8 节](#sec-pointer)）：$p(y_t = i) = \alpha_{t,i}$，输出空间大小等于 $T_x$。对齐任务 $y_t = t$ 上零参数 softmax 解码器的损失恰为 $T\ln T$；
#   几秒训练的指针网络在训练见过的长度上损失不到 1 奈特，优势 $A = \mathcal L_{\text{soft}} - \mathcal L_{\text{ptr}}$ 接近 $T\ln T$。输出排列时屏蔽已选位置，使所有排列的概率之和恰为 1。
# - **误差累积**（[第 9 节](#sec-rollout)）：迭代式 $a_k \le a_0 L^k + \mu\sum_{j<k}L^j$（$L = 1$ 时线性增长 $a_0 + k\mu$，$L > 1$ 时指数增长），一对多 $b_k \le L^k a_0 + \mu_o$ 没有反馈项。
#   在谐振子与 logistic 映射上，拟合的单步模型的误差始终在界内；但一对多要学的 $f^k$ 在混沌系统里越来越难拟合。
# - **控制生成**（[第 10 节](#sec-generation-control)）：在 100 个玩具模型上，贪心只在 65% 的模型上找到概率最大的序列，束宽 2 为 90%，束宽足够大时就是穷举。
#   不做长度归一化的总对数概率偏爱短序列。熵匹配损失 $\sum_t \mathrm{CE}(q_t\|\hat p_t) + \alpha\sum_t (H(\hat p_t) - H(q_t))^2$ 用 $\alpha$ 在准确性与熵之间权衡，只在模型表示不了 $q_t$ 时才改变最优解。
#
# ## 练习
#
# 每个练习都是一个 nbgrader 作业：先读任务说明，在标出的单元里写函数，运行下面的测试单元查看可见测试的结果。
#
# | 练习 | 练习内容 | 对应小节 |
# |---|---|---|
# | [A1 监督模式](../exercises/a1_supervision_modes/a1_supervision_modes.ipynb) | 手写 RNN 前向计算 `rnn_forward`；多对一读取最后有效步；逐步打分；仅最终步与每步累计的 `sequence_loss`（含变长序列）；`bidirectional_rnn_forward`；一对多生成；seq2seq 的教师强制与自由运行 | 第 1、7 节 |
# | [A2 梯度与记忆](../exercises/a2_gradients_memory/a2_gradients_memory.ipynb) | 用栈实现 `is_balanced`；线性 RNN 两种损失的梯度闭式解 `linear_rnn_grad_final`、`linear_rnn_grad_all`；由互信息衰减选窗口 `tbptt_min_window`；在 PyTorch 中实现截断 BPTT | 第 2–4 节 |
# | [A3 注意力与指针网络](../exercises/a3_attention_pointer/a3_attention_pointer.ipynb) | 信息瓶颈下的最小隐藏维度 `min_hidden_dim`；带掩码、数值稳定的 `dot_product_attention`；对齐熵 `alignment_entropy`；屏蔽已选位置的指针网络一步解码 | 第 5、6、8 节 |
# | [A4 生成](../exercises/a4_generation/a4_generation.ipynb) | 迭代生成误差上界 `iterative_error_bound`；自回归展开；`beam_search`；熵匹配损失 `entropy_matching_loss` | 第 9、10 节 |
#
# **自检**：在仓库根目录、课程的虚拟环境里运行（把路径换成你的练习笔记本）
#
# ```bash
# python -m autograder check exercises/a1_supervision_modes/a1_supervision_modes.ipynb
# ```
#
# 它用全部测试（包括笔记本里看不到的隐藏测试）检查你的答案，逐题用中文给出得分、通过与否和断言信息，但不显示隐藏测试的源码。
#
# ## 下一章
#
# 第 2 章“应用与跨学科连接”（中文分词与词性标注、基因预测、生理信号）和第 3 章“动手实践”还在编写中，完成后会从这里链接过去。
