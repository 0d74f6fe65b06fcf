"""Tests of the chapter-1 widgets for gradient decay, attention, parentheses, truncation and bottleneck.

Each render function runs at normal settings and at every slider extreme, with warnings turned into
errors. Impossible values must raise with a Chinese message, and each widget must redraw when a
control changes.
"""

from __future__ import annotations

import math
import warnings

import pytest
from widget_rendering import CHINESE, render_checked

from rnn_course.figures import new_figure
from rnn_course.widgets.attention_heatmap import attention_heatmap_widget, render_attention_heatmap
from rnn_course.widgets.bottleneck import VOCAB_SIZE_RANGE, bottleneck_widget, render_bottleneck
from rnn_course.widgets.gradient_decay import gradient_decay_widget, render_gradient_decay
from rnn_course.widgets.parentheses import parentheses_widget, render_parentheses
from rnn_course.widgets.truncation_window import (
    render_truncation_window,
    render_truncation_window_controls,
    truncation_window_widget,
)


def _value(readouts: dict[str, str], key_part: str) -> str:
    matches = [value for key, value in readouts.items() if key_part in key]
    assert len(matches) == 1, f"{key_part!r} not found in {list(readouts)}"
    return matches[0]


# --- gradient decay -------------------------------------------------------------------------

def test_gradient_decay_default_readouts():
    readouts = render_checked(render_gradient_decay, a=0.9, T=50, h0=1.0)
    assert math.isclose(float(_value(readouts, "∂L_final/∂h_1")), 0.9**99, rel_tol=1e-5)
    assert math.isclose(float(_value(readouts, "极限")), 0.9 / (1 - 0.81), rel_tol=1e-5)
    assert float(_value(readouts, "最大相对差")) < 1e-12


@pytest.mark.parametrize(("a", "T", "h0"), [
    (-1.5, 1, -2.0), (-1.5, 100, 2.0), (1.5, 100, -2.0), (1.5, 1, 0.0), (0.0, 100, 2.0), (0.0, 1, -2.0),
    (1.0, 100, 2.0), (-1.0, 100, -2.0), (0.01, 100, 2.0), (0.5, 100, 0.0),
])
def test_gradient_decay_extremes(a, T, h0):
    readouts = render_checked(render_gradient_decay, a=a, T=T, h0=h0)
    limit_text = _value(readouts, "极限")
    if abs(a) >= 1:
        assert "不适用" in limit_text
    else:
        assert math.isclose(float(limit_text), h0 * a / (1 - a * a), rel_tol=1e-5, abs_tol=1e-12)


def test_gradient_decay_marks_zero_gradients():
    figure = new_figure()
    render_gradient_decay(figure, a=0.0, T=20, h0=1.0)
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert any("恰好为 0" in text for text in texts)


@pytest.mark.parametrize(("params", "error"), [
    ({"a": float("nan")}, ValueError),
    ({"T": 0}, ValueError),
    ({"T": 3.5}, TypeError),
    ({"h0": "1"}, TypeError),
])
def test_gradient_decay_rejects_bad_input(params, error):
    with pytest.raises(error, match=CHINESE):
        render_gradient_decay(new_figure(), **({"a": 0.9, "T": 10, "h0": 1.0} | params))


# --- attention heatmap ----------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "T_x", "T_y", "sharpness"), [
    ("monotonic", 1, 1, 0.0), ("monotonic", 60, 60, 10.0), ("reversed", 1, 60, 10.0), ("reversed", 60, 1, 0.0),
    ("local", 60, 60, 0.0), ("local", 1, 60, 10.0), ("random", 60, 1, 10.0), ("random", 60, 60, 0.0),
])
def test_attention_heatmap_extremes(pattern, T_x, T_y, sharpness):
    readouts = render_checked(render_attention_heatmap, T_x=T_x, T_y=T_y, sharpness=sharpness, pattern=pattern)
    factor = _value(readouts, "倍数")
    if T_x == 1:
        assert "无定义" in factor
    assert math.isclose(float(_value(readouts, "均匀注意力的熵")), math.log(T_x), abs_tol=1e-4)


def test_attention_heatmap_uniform_factor_is_one():
    readouts = render_checked(render_attention_heatmap, T_x=30, T_y=10, sharpness=0.0, pattern="monotonic")
    assert _value(readouts, "倍数") == "1.00 倍"


@pytest.mark.parametrize(("params", "error"), [
    ({"T_x": 0}, ValueError),
    ({"T_y": -3}, ValueError),
    ({"sharpness": -0.1}, ValueError),
    ({"pattern": "diagonal"}, ValueError),
    ({"T_x": 2.0}, TypeError),
])
def test_attention_heatmap_rejects_bad_input(params, error):
    with pytest.raises(error, match=CHINESE):
        render_attention_heatmap(new_figure(), **({"T_x": 5, "T_y": 5, "sharpness": 1.0,
                                                   "pattern": "monotonic"} | params))


# --- parentheses ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "counter", "stack"), [
    (")(", "平衡", "下溢"),
    ("(()())", "平衡", "接受"),
    ("(()", "不平衡", "还剩"),
    ("", "平衡", "接受"),
])
def test_parentheses_text_mode(text, counter, stack):
    readouts = render_checked(render_parentheses, mode="text", text=text, depth=0)
    assert _value(readouts, "计数器的判断") == counter
    assert stack in _value(readouts, "栈识别器")


@pytest.mark.parametrize("depth", [0, 1, 60])
def test_parentheses_depth_mode(depth):
    readouts = render_checked(render_parentheses, mode="depth", text="ignored ✗", depth=depth)
    assert "接受" in _value(readouts, "栈识别器")
    if depth == 60:
        assert _value(readouts, "计数器的判断") == "不平衡"
        assert "不一致" in _value(readouts, "一致")


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"mode": "text", "text": "(a)"}, ValueError, "第 2 个字符"),
    ({"mode": "text", "text": "(" * 201}, ValueError, "超过上限"),
    ({"mode": "text", "text": 5}, TypeError, "str"),
    ({"mode": "depth", "depth": -1}, ValueError, "嵌套深度"),
    ({"mode": "stack"}, ValueError, "输入方式"),
])
def test_parentheses_rejects_bad_input(params, error, message):
    with pytest.raises(error, match=message):
        render_parentheses(new_figure(), **({"mode": "text", "text": "()", "depth": 3} | params))


# --- truncation window ----------------------------------------------------------------------

def test_truncation_window_default_is_twelve():
    readouts = render_checked(render_truncation_window, initial_information=1.0, decay_rate=math.log(2),
                       threshold=2.0**-12)
    assert _value(readouts, "截断窗口 K") == "12"
    assert _value(readouts, "I(K) ≤ δ") == "是"


@pytest.mark.parametrize(("I0", "decay", "threshold"), [
    (0.1, 0.05, 2.0**-24), (10.0, 3.0, 1.0), (0.1, 3.0, 1.0), (10.0, 0.05, 2.0**-24),
])
def test_truncation_window_extremes(I0, decay, threshold):
    readouts = render_checked(render_truncation_window, initial_information=I0, decay_rate=decay, threshold=threshold)
    window = int(_value(readouts, "截断窗口 K"))
    assert window == max(0, math.ceil(math.log(I0 / threshold) / decay - 1e-9))


@pytest.mark.parametrize(("half_life", "power", "expected"), [(1.0, 12, 12), (0.25, 0, 0), (20.0, 24, 480),
                                                               (2.0, 12, 24)])
def test_truncation_window_slider_units(half_life, power, expected):
    readouts = render_checked(render_truncation_window_controls, initial_information=1.0, half_life=half_life,
                       threshold_power=power)
    assert _value(readouts, "截断窗口 K") == str(expected)
    assert float(_value(readouts, "衰减率 λ")) == pytest.approx(math.log(2) / half_life, rel=1e-5)


@pytest.mark.parametrize(("params", "error"), [({"half_life": 0.0}, ValueError), ({"threshold_power": 1.5}, TypeError)])
def test_truncation_controls_reject_bad_input(params, error):
    with pytest.raises(error, match=CHINESE):
        render_truncation_window_controls(new_figure(), **params)


@pytest.mark.parametrize("params", [{"initial_information": 0.0}, {"decay_rate": -1.0}, {"threshold": 0.0}])
def test_truncation_window_rejects_bad_input(params):
    with pytest.raises(ValueError, match=CHINESE):
        render_truncation_window(new_figure(), **({"initial_information": 1.0, "decay_rate": 0.5,
                                                   "threshold": 0.01} | params))


# --- bottleneck -----------------------------------------------------------------------------

def test_bottleneck_worked_example():
    readouts = render_checked(render_bottleneck, output_length=20, vocab_size=10_000, ce_bits=2.0, bits_per_dim=8)
    assert _value(readouts, "所需最小隐藏维度") == "29"
    assert "均匀" in _value(readouts, "注意")


@pytest.mark.parametrize(("T_y", "vocab_size", "ce_bits", "bits_per_dim"), [
    (0, VOCAB_SIZE_RANGE[0], 0.0, 1), (200, VOCAB_SIZE_RANGE[1], 0.0, 1), (200, VOCAB_SIZE_RANGE[1], 20.0, 32),
    (200, VOCAB_SIZE_RANGE[0], 20.0, 32), (0, VOCAB_SIZE_RANGE[1], 20.0, 1),
])
def test_bottleneck_extremes(T_y, vocab_size, ce_bits, bits_per_dim):
    readouts = render_checked(render_bottleneck, output_length=T_y, vocab_size=vocab_size, ce_bits=ce_bits,
                       bits_per_dim=bits_per_dim)
    size = int(_value(readouts, "所需最小隐藏维度"))
    if T_y == 0 or ce_bits >= math.log2(vocab_size):
        assert size == 0


@pytest.mark.parametrize("params", [{"output_length": -1}, {"vocab_size": 0}, {"ce_bits": -0.5},
                                    {"bits_per_dim": 0}])
def test_bottleneck_rejects_bad_input(params):
    with pytest.raises(ValueError, match=CHINESE):
        render_bottleneck(new_figure(), **({"output_length": 10, "vocab_size": 100, "ce_bits": 1.0,
                                            "bits_per_dim": 8} | params))


# --- the widgets redraw when a control changes ----------------------------------------------

@pytest.mark.parametrize(("factory", "control", "new_value"), [
    (gradient_decay_widget, "a", 1.2),
    (attention_heatmap_widget, "sharpness", 6.0),
    (parentheses_widget, "text", ")("),
    (truncation_window_widget, "threshold_power", 6),
    (bottleneck_widget, "output_length", 80),
])
def test_widget_redraws_on_change(factory, control, new_value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        widget = factory()
        image, readout = widget.image.value, widget.readout.value
        widget.controls[control].value = new_value
    assert widget.image.value != image
    assert widget.readout.value != readout


def test_widget_slider_descriptions():
    gradient = gradient_decay_widget().controls
    assert [gradient[name].description for name in ("a", "T", "h0")] == ["衰减系数 a", "序列长度 T", "初始状态 h0"]
    assert (gradient["a"].min, gradient["a"].max, gradient["a"].step, gradient["a"].value) == (-1.5, 1.5, 0.01, 0.9)
    assert (gradient["T"].min, gradient["T"].max, gradient["T"].value) == (1, 100, 50)
    assert (gradient["h0"].min, gradient["h0"].max, gradient["h0"].value) == (-2.0, 2.0, 1.0)
    attention = attention_heatmap_widget().controls
    descriptions = [attention[name].description for name in ("T_x", "T_y", "sharpness", "pattern")]
    assert descriptions == ["输入长度 T_x", "输出长度 T_y", "锐度 β", "对齐模式"]
    assert (attention["T_x"].min, attention["T_x"].max) == (1, 60)
    assert (attention["sharpness"].min, attention["sharpness"].max) == (0.0, 10.0)
    labels = [label for label, _ in attention["pattern"].options]
    assert labels == ["monotonic 单调", "reversed 反向", "local 局部", "random 随机"]
