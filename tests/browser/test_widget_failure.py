"""The widget render check must fail when widgets cannot be drawn, and pass when they can.

A probe notebook shows one CourseWidget. It is opened once with the JupyterLab widget manager extension
(@jupyter-widgets/jupyterlab-manager) enabled, where the check must pass, and once with the extension
disabled at user level, where the check must report problems.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lab_ui
import nbformat
import pytest
from lab_server import LabServer, lab_extensions_disabled
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"
PROBE_DIR = "widget-probe"
PROBE_SOURCE = '''\
from rnn_course.widgets.base import CourseWidget, float_slider


def render_line(figure, slope):
    axes = figure.subplots()
    axes.plot([0, 1], [0, slope], label="直线")
    axes.set_title("探针图")
    axes.set_xlabel("横轴 x（无单位）")
    axes.set_ylabel("纵轴 y（无单位）")
    axes.legend()
    return {"斜率": f"{slope:.2f}"}


CourseWidget("探针控件", {"slope": float_slider("斜率 k", 1.0, -2.0, 2.0, 0.1)}, render_line, figsize=(4.0, 2.5))
'''
PROBE_RUN_TIMEOUT_MS = 120_000


def write_probe(server: LabServer, name: str) -> str:
    """Write the probe notebook into the server's root; return its path relative to the root."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# 控件渲染探针"), nbformat.v4.new_code_cell(PROBE_SOURCE)]
    path = f"{PROBE_DIR}/{name}.ipynb"
    (server.root_dir / PROBE_DIR).mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, server.root_dir / path)
    return path


def run_probe(page: Page, server: LabServer, name: str) -> tuple[list[str], dict]:
    """Open a fresh probe notebook and run all cells; return the render check's problems and disabledExtensions."""
    path = write_probe(server, name)
    lab_ui.open_notebook(page, server, path, name, expected_cells=2)
    lab_ui.click_menu_command(page, "运行", "runmenu:run-all")
    lab_ui.wait_for_run_to_finish(page, [1], PROBE_RUN_TIMEOUT_MS)
    disabled = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).disabledExtensions"
    )
    return lab_ui.widget_render_problems(page, min_widgets=1), disabled


def test_render_check_passes_with_widget_manager(lab_page: Page, lab_server: LabServer,
                                                 screenshot: Callable[[Page, str], Path]) -> None:
    problems, disabled = run_probe(lab_page, lab_server, "probe-enabled")
    screenshot(lab_page, "10_probe_widget_manager_enabled")
    assert WIDGET_MANAGER not in disabled, f"控件管理器不应被禁用，页面配置为 {disabled}"
    assert not problems, "控件管理器启用时探针控件应能绘制 (probe widget not drawn):\n" + "\n".join(problems)


def test_render_check_fails_without_widget_manager(lab_page: Page, lab_server: LabServer,
                                                   screenshot: Callable[[Page, str], Path]) -> None:
    with lab_extensions_disabled(lab_server, [WIDGET_MANAGER]):
        problems, disabled = run_probe(lab_page, lab_server, "probe-disabled")
        screenshot(lab_page, "11_probe_widget_manager_disabled")

    assert WIDGET_MANAGER in disabled, f"页面没有禁用 {WIDGET_MANAGER}，页面配置为 {disabled}"
    assert problems, "禁用控件管理器后，控件渲染检查仍然报告成功 (render check passed without a widget manager)"
    assert any(".rnn-course-widget" in problem for problem in problems), (
        f"渲染检查没有报告缺少 .rnn-course-widget (missing widget not reported): {problems}"
    )
    assert any("纯文本" in problem for problem in problems), (
        f"渲染检查没有报告控件被显示为纯文本 (text/plain widget repr not reported): {problems}"
    )
