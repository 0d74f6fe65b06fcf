"""Tests of the chapter-1 widgets for error accumulation, bidirectional masking, pointers and beam search.

Each render function runs at normal settings and at every slider extreme, with warnings turned into
errors. Impossible values must raise with a Chinese message, and each widget must redraw when a
control changes.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from widget_rendering import CHINESE, render_checked

from rnn_course.figures import new_figure
from rnn_course.generation import error_bound_curves
from rnn_course.pointer import sharp_pointer_loss, uniform_softmax_loss
from rnn_course.widgets import beam_search as beam_module
from rnn_course.widgets import bidirectional_masking as masking_module
from rnn_course.widgets import error_accumulation as accumulation_module
from rnn_course.widgets import pointer_vs_softmax as pointer_module


def _value(readouts: dict[str, str], key_part: str) -> str:
    matches = [value for key, value in readouts.items() if key_part in key]
    assert len(matches) == 1, f"{key_part!r} not found in {list(readouts)}"
    return matches[0]


def _check_widget_redraws(widget, control_name, new_value):
    image_before, readout_before = widget.image.value, widget.readout.value
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        widget.controls[control_name].value = new_value
    assert widget.image.value != image_before
    assert widget.readout.value != readout_before


# --- error accumulation ---------------------------------------------------------------------

def test_error_accumulation_readouts_match_bounds():
    readouts = render_checked(accumulation_module.render_error_accumulation, L=1.1, mu=0.01, horizon=30, a0=0.0)
    iterative, direct = error_bound_curves(1.1, 0.01, 0.0, 30)
    assert float(_value(readouts, "迭代式上界")) == pytest.approx(iterative[-1], rel=1e-3)
    assert float(_value(readouts, "一对多上界")) == pytest.approx(direct[-1], rel=1e-3)
    assert float(_value(readouts, "恒定偏差")) == pytest.approx(iterative[-1], rel=1e-3)
    assert float(_value(readouts, "随机误差")) <= iterative[-1]


def test_error_accumulation_linear_at_lipschitz_one():
    readouts = render_checked(accumulation_module.render_error_accumulation, L=1.0, mu=0.01, horizon=20, a0=0.05)
    assert float(_value(readouts, "迭代式上界")) == pytest.approx(0.05 + 20 * 0.01, rel=1e-4)
    assert _value(readouts, "写法").startswith("k")


@pytest.mark.parametrize(("L", "mu", "horizon", "a0"), list(itertools.product(
    accumulation_module.L_RANGE, accumulation_module.MU_RANGE, accumulation_module.HORIZON_RANGE,
    accumulation_module.A0_RANGE)))
def test_error_accumulation_slider_extremes(L, mu, horizon, a0):
    render_checked(accumulation_module.render_error_accumulation, L=L, mu=mu, horizon=horizon, a0=a0)


@pytest.mark.parametrize(("params", "error"), [
    (dict(L=-0.1), ValueError), (dict(mu=-1.0), ValueError), (dict(horizon=0), ValueError),
    (dict(a0=float("nan")), ValueError), (dict(horizon=2.5), TypeError),
])
def test_error_accumulation_rejects_impossible_values(params, error):
    with pytest.raises(error, match=CHINESE.pattern):
        accumulation_module.render_error_accumulation(new_figure(), **params)


def test_error_accumulation_widget_redraws():
    _check_widget_redraws(accumulation_module.error_accumulation_widget(), "L", 0.9)


# --- bidirectional masking ------------------------------------------------------------------

def test_bidirectional_masking_rho_one_not_identified():
    readouts = render_checked(masking_module.render_bidirectional_masking, rho=1.0, future_coef=0.8)
    assert "不可辨识" in _value(readouts, "无权重衰减")
    assert float(_value(readouts, "权重衰减 λ")) == 0.0
    assert float(_value(readouts, "最大落差")) == pytest.approx(0.0, abs=1e-9)


def test_bidirectional_masking_limit_readout():
    readouts = render_checked(masking_module.render_bidirectional_masking, rho=0.5, future_coef=0.8)
    moments = masking_module._moments(0.8)
    limit = float(_value(readouts, "极限").split("（")[0])
    assert limit == pytest.approx(masking_module.closed_form_backward_weight(moments, 1 - 1e-12), abs=1e-4)
    assert float(_value(readouts, "w_b*（无权重衰减）")) == pytest.approx(
        masking_module.masked_least_squares(moments, 0.5)[1], abs=1e-4)


@pytest.mark.parametrize(("rho", "future_coef"), list(itertools.product(
    masking_module.RHO_RANGE, masking_module.FUTURE_COEF_RANGE)))
def test_bidirectional_masking_slider_extremes(rho, future_coef):
    render_checked(masking_module.render_bidirectional_masking, rho=rho, future_coef=future_coef)


@pytest.mark.parametrize(("params", "error"), [
    (dict(rho=1.2), ValueError), (dict(rho=-0.1), ValueError), (dict(future_coef=math.inf), ValueError),
    (dict(rho="0.5"), TypeError),
])
def test_bidirectional_masking_rejects_impossible_values(params, error):
    with pytest.raises(error, match=CHINESE.pattern):
        masking_module.render_bidirectional_masking(new_figure(), **params)


def test_bidirectional_masking_widget_redraws():
    _check_widget_redraws(masking_module.bidirectional_masking_widget(), "rho", 0.9)


# --- pointer vs softmax ---------------------------------------------------------------------

def test_pointer_vs_softmax_readouts():
    readouts = render_checked(pointer_module.render_pointer_vs_softmax, T=10, sharpness=5.0,
                       trained_losses={10: 0.25})
    assert float(_value(readouts, "L_soft =")) == pytest.approx(10 * math.log(10), abs=1e-4)
    assert float(_value(readouts, "理想指针")) == pytest.approx(float(sharp_pointer_loss(10, 5.0)), abs=1e-4)
    advantage = float(uniform_softmax_loss(10)) - float(sharp_pointer_loss(10, 5.0))
    assert float(_value(readouts, "优势")) == pytest.approx(advantage, abs=1e-3)
    assert float(_value(readouts, "实测")) == 0.25


@pytest.mark.parametrize(("T", "sharpness"), list(itertools.product(
    pointer_module.T_RANGE, pointer_module.SHARPNESS_RANGE)))
def test_pointer_vs_softmax_slider_extremes(T, sharpness):
    readouts = render_checked(pointer_module.render_pointer_vs_softmax, T=T, sharpness=sharpness)
    if sharpness == 0.0:
        assert float(_value(readouts, "优势")) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(("params", "error"), [
    (dict(T=0), ValueError), (dict(sharpness=-1.0), ValueError), (dict(T=3.0), TypeError),
])
def test_pointer_vs_softmax_rejects_impossible_values(params, error):
    with pytest.raises(error, match=CHINESE.pattern):
        pointer_module.render_pointer_vs_softmax(new_figure(), **params)


def test_pointer_vs_softmax_widget_redraws():
    widget = pointer_module.pointer_vs_softmax_widget(trained_losses={2: 0.01, 4: 0.03})
    _check_widget_redraws(widget, "T", 4)
    assert "实测" in widget.readout.value


# --- beam search ----------------------------------------------------------------------------

def test_beam_search_readouts_match_exhaustive_at_large_beam():
    readouts = render_checked(beam_module.render_beam_search, beam_size=8, alpha=1.0)
    beam_score = float(_value(readouts, "束搜索结果").split("log p = ")[1])
    best_score = float(_value(readouts, "穷举").split("log p = ")[1])
    greedy_score = float(_value(readouts, "贪心").split("log p = ")[1])
    assert beam_score <= best_score + 1e-9
    assert greedy_score <= best_score + 1e-9
    _, model = beam_module.fitted_model(1.0)
    assert float(_value(readouts, "熵 H").split(" ")[0]) == pytest.approx(
        beam_module.sequence_entropy(model), abs=1e-4)


def test_beam_search_alpha_changes_entropy():
    low = render_checked(beam_module.render_beam_search, beam_size=2, alpha=0.0)
    high = render_checked(beam_module.render_beam_search, beam_size=2, alpha=5.0)
    assert float(_value(high, "熵 H").split(" ")[0]) < float(_value(low, "熵 H").split(" ")[0])
    assert float(_value(high, "β*")) > float(_value(low, "β*"))


@pytest.mark.parametrize(("beam_size", "alpha"), list(itertools.product(
    beam_module.BEAM_RANGE, beam_module.ALPHA_RANGE)))
def test_beam_search_slider_extremes(beam_size, alpha):
    render_checked(beam_module.render_beam_search, beam_size=beam_size, alpha=alpha)


def test_beam_search_entropy_curve_is_cached_and_finite():
    curve = beam_module._entropy_curve()
    assert curve.shape == beam_module.ALPHA_CURVE.shape
    assert np.all(np.isfinite(curve))


@pytest.mark.parametrize(("params", "error"), [
    (dict(beam_size=0), ValueError), (dict(alpha=-0.5), ValueError), (dict(beam_size=2.0), TypeError),
])
def test_beam_search_rejects_impossible_values(params, error):
    with pytest.raises(error, match=CHINESE.pattern):
        beam_module.render_beam_search(new_figure(), **params)


def test_beam_search_widget_redraws():
    _check_widget_redraws(beam_module.beam_search_widget(), "beam_size", 5)
