"""Chinese text in matplotlib figures: pick the first installed CJK font from a cross-platform list."""

from __future__ import annotations

import warnings

from matplotlib import font_manager, rcParams

# Common CJK fonts, most preferred first: Linux (Noto/Source Han, WenQuanYi, Droid, AR PL),
# macOS (PingFang, Hiragino, Heiti, Songti) and Windows (YaHei, SimHei, SimSun, DengXian).
CJK_FONT_FALLBACKS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Noto Serif CJK SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Songti SC",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
    "DengXian",
    "Arial Unicode MS",
)

MISSING_FONT_MESSAGE = (
    "未找到中文字体，图中的中文会显示为方框。请安装一种中文字体后重启内核："
    "Debian/Ubuntu 运行 `sudo apt-get install fonts-noto-cjk`；"
    "Fedora 运行 `sudo dnf install google-noto-sans-cjk-fonts`；"
    "macOS 与 Windows 自带 PingFang SC / Microsoft YaHei，通常无需安装。"
)


class ChineseFontMissingWarning(UserWarning):
    """No CJK font is installed, so Chinese text in figures would render as boxes."""


_chosen_font: str | None = None
_warned = False


def find_chinese_font(rebuild_cache: bool = True) -> str | None:
    """Return the first installed font of CJK_FONT_FALLBACKS, or None.

    matplotlib caches its font list; a font installed after the cache was written is found only
    after a rebuild, so one rebuild is tried before giving up.
    """
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONT_FALLBACKS:
        if name in installed:
            return name
    if rebuild_cache:
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        return find_chinese_font(rebuild_cache=False)
    return None


def use_chinese_font() -> str | None:
    """Make matplotlib draw Chinese text with an installed CJK font; return its name.

    Idempotent. Without any CJK font it warns once, in Chinese, how to install one.
    """
    global _chosen_font, _warned
    if _chosen_font is None:
        _chosen_font = find_chinese_font()
    if _chosen_font is None:
        if not _warned:
            warnings.warn(MISSING_FONT_MESSAGE, ChineseFontMissingWarning, stacklevel=2)
            _warned = True
        return None
    rcParams["font.family"] = "sans-serif"
    current = [name for name in rcParams["font.sans-serif"] if name != _chosen_font]
    rcParams["font.sans-serif"] = [_chosen_font, *current]
    # CJK fonts often lack U+2212 MINUS SIGN, so tick labels use the ASCII hyphen.
    rcParams["axes.unicode_minus"] = False
    return _chosen_font
