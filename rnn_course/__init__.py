"""Helper package of the course 《RNN 架构模式》: widgets, plotting with Chinese fonts, analysis code.

Exercise answers never live here: the exercises are graded against independent oracles.
"""

from rnn_course.fonts import use_chinese_font

__all__ = ["use_chinese_font"]
