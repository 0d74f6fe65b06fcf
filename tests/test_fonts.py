"""Chinese text in figures: a CJK font is found and no glyph is missing."""

import warnings

import pytest
from matplotlib import font_manager

from rnn_course import fonts
from rnn_course.figures import figure_png, new_figure

CHINESE_TEXT = "梯度衰减：∂L/∂h_t 随时间步变化"


def test_figure_with_chinese_has_no_missing_glyph():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = new_figure(4, 3)
        axes = figure.add_subplot()
        axes.plot([0, 1], [0, -1], label="每步损失")
        axes.set_title(CHINESE_TEXT)
        axes.set_xlabel("时间步 t")
        axes.set_ylabel("负值刻度")
        axes.legend()
        png = figure_png(figure)
    glyph_warnings = [str(item.message) for item in caught if "Glyph" in str(item.message)]
    assert not glyph_warnings, f"missing glyphs: {glyph_warnings}"
    assert not [item for item in caught if issubclass(item.category, fonts.ChineseFontMissingWarning)]
    assert png.startswith(b"\x89PNG")


def test_chosen_font_covers_chinese_text():
    name = fonts.use_chinese_font()
    assert name in fonts.CJK_FONT_FALLBACKS
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    font = font_manager.get_font(path)
    missing = [char for char in CHINESE_TEXT if char.strip() and font.get_char_index(ord(char)) == 0]
    assert not missing, f"{name} lacks {missing}"


def test_missing_font_warns_once_in_chinese(monkeypatch):
    monkeypatch.setattr(fonts, "_chosen_font", None)
    monkeypatch.setattr(fonts, "_warned", False)
    monkeypatch.setattr(fonts, "find_chinese_font", lambda rebuild_cache=True: None)
    with pytest.warns(fonts.ChineseFontMissingWarning, match="fonts-noto-cjk"):
        assert fonts.use_chinese_font() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fonts.use_chinese_font() is None
