"""The chapter widgets: each ``*_widget()`` returns a CourseWidget, each ``render_*`` draws one figure."""

from rnn_course.widgets.attention_heatmap import attention_heatmap_widget, render_attention_heatmap
from rnn_course.widgets.beam_search import beam_search_widget, render_beam_search
from rnn_course.widgets.bidirectional_masking import bidirectional_masking_widget, render_bidirectional_masking
from rnn_course.widgets.bottleneck import bottleneck_widget, render_bottleneck
from rnn_course.widgets.error_accumulation import error_accumulation_widget, render_error_accumulation
from rnn_course.widgets.gradient_decay import gradient_decay_widget, render_gradient_decay
from rnn_course.widgets.parentheses import parentheses_widget, render_parentheses
from rnn_course.widgets.pointer_vs_softmax import pointer_vs_softmax_widget, render_pointer_vs_softmax
from rnn_course.widgets.truncation_window import render_truncation_window, truncation_window_widget

__all__ = [
    "attention_heatmap_widget", "beam_search_widget", "bidirectional_masking_widget", "bottleneck_widget",
    "error_accumulation_widget", "gradient_decay_widget", "parentheses_widget", "pointer_vs_softmax_widget",
    "truncation_window_widget",
    "render_attention_heatmap", "render_beam_search", "render_bidirectional_masking", "render_bottleneck",
    "render_error_accumulation", "render_gradient_decay", "render_parentheses", "render_pointer_vs_softmax",
    "render_truncation_window",
]
