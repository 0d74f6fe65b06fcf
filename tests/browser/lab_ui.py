"""Drive a JupyterLab page with Playwright: menus, cell execution, cell editing and widget checks.

Every wait is for a condition in the page and fails with a message that names what was awaited.
Selectors rely on JupyterLab 4 class names (jp-Cell, jp-InputArea-prompt, jp-Notebook-ExecutionIndicator),
Lumino menu attributes (data-command) and the classes rnn_course.widgets.base.CourseWidget sets.
Cell and output text is read with textContent: JupyterLab 4's default windowing mode gives off-screen
cells content-visibility: auto, and the browser returns an empty innerText for them.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from pathlib import Path

from lab_server import LabServer
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

# Milliseconds for a kernel to start and connect; it took 5-13 s on 2 cores shared with other jobs.
KERNEL_READY_TIMEOUT_MS = 120_000
# Milliseconds for one slider move to reach the kernel, re-render the PNG and come back.
WIDGET_UPDATE_TIMEOUT_MS = 30_000
UI_TIMEOUT_MS = 30_000

STDERR_MIME = "application/vnd.jupyter.stderr"
CJK_PATTERN = re.compile(r"[\u4e00-\u9fff]")
# Texts that the widget manager (or its absence) leaves where a widget should be drawn.
WIDGET_FAILURE_TEXTS = ("Error displaying widget", "Loading widget...", "model not found", "Error rendering")
# repr() of a widget: what JupyterLab shows as text/plain when no widget renderer is registered.
WIDGET_REPR_PATTERN = re.compile(r"\b(CourseWidget|VBox|HBox|FloatSlider|IntSlider|Dropdown|Image|HTML)\(")

ACTIVE_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CELL_SELECTOR = f"{ACTIVE_NOTEBOOK} .jp-Notebook .jp-Cell"


class BrowserCheckError(AssertionError):
    """A condition in the page that the test waited for did not come true."""


def wait_for(page: Page, expression: str, arg: object, condition: str, timeout_ms: int) -> object:
    """Wait until the JavaScript predicate returns a truthy value; on timeout raise an error naming `condition`."""
    try:
        return page.wait_for_function(expression, arg=arg, timeout=timeout_ms, polling=200).json_value()
    except PlaywrightError as error:
        if "Timeout" not in str(error):
            raise
        raise BrowserCheckError(f"等待超时（{timeout_ms / 1000:.0f} 秒）：{condition}") from None


# --- opening notebooks and menus -------------------------------------------------------------------------


def open_notebook(page: Page, server: LabServer, notebook_path: str, workspace: str, expected_cells: int) -> None:
    """Load a notebook in a fresh workspace; wait for all its cells and for its kernel to be connected and idle.

    The toolbar's execution indicator already reads "idle" before the kernel exists, so readiness is taken
    from the server: a session for this notebook whose kernel is idle and has a websocket connection.
    """
    page.goto(server.notebook_url(notebook_path, workspace))
    wait_for(
        page,
        "([selector, n]) => document.querySelectorAll(selector).length === n",
        [CELL_SELECTOR, expected_cells],
        f"笔记本显示全部 {expected_cells} 个单元格 (notebook cells rendered)",
        UI_TIMEOUT_MS * 2,
    )
    deadline = time.monotonic() + KERNEL_READY_TIMEOUT_MS / 1000
    while not kernel_connected(server, notebook_path):
        if time.monotonic() > deadline:
            raise BrowserCheckError(
                f"等待超时（{KERNEL_READY_TIMEOUT_MS / 1000:.0f} 秒）：{notebook_path} 的内核启动并连接 "
                f"(kernel started, idle and connected)\n服务器日志：\n{server.log_tail()}"
            )
        time.sleep(0.2)
    wait_for_kernel_idle(page)


def kernel_connected(server: LabServer, notebook_path: str) -> bool:
    for session in server.api("GET", "/api/sessions"):
        kernel = session.get("kernel") or {}
        if session.get("path") == notebook_path and kernel.get("execution_state") == "idle":
            return kernel.get("connections", 0) > 0
    return False


def wait_for_kernel_idle(page: Page, timeout_ms: int = KERNEL_READY_TIMEOUT_MS) -> None:
    wait_for(
        page,
        """(selector) => {
            const indicator = document.querySelector(selector + ' .jp-Notebook-ExecutionIndicator');
            return indicator !== null && indicator.dataset.status === 'idle';
        }""",
        ACTIVE_NOTEBOOK,
        "内核状态变为空闲 (kernel execution indicator data-status=idle)",
        timeout_ms,
    )


def menu_bar_labels(page: Page) -> list[str]:
    page.wait_for_selector("#jp-menu-panel .lm-MenuBar-itemLabel", timeout=UI_TIMEOUT_MS)
    return [label.strip() for label in page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()]


def open_menu(page: Page, menu_label: str) -> None:
    """Open a top-level menu of JupyterLab's menu bar by its (translated) label."""
    close_menus(page)
    page.locator("#jp-menu-panel .lm-MenuBar-item").filter(has_text=re.compile(f"^{re.escape(menu_label)}$")).click()
    page.wait_for_selector(".lm-Menu", state="visible", timeout=UI_TIMEOUT_MS)


def close_menus(page: Page) -> None:
    if page.locator(".lm-Menu").count() > 0:
        page.keyboard.press("Escape")
        page.wait_for_selector(".lm-Menu", state="detached", timeout=UI_TIMEOUT_MS)


def click_menu_command(page: Page, menu_label: str, command: str, screenshot: Path | None = None) -> str:
    """Click menu item `command` (a Lumino data-command id) under menu_label; return the item's label."""
    open_menu(page, menu_label)
    item = page.locator(f".lm-Menu-item[data-command='{command}']")
    item.wait_for(state="visible", timeout=UI_TIMEOUT_MS)
    label = item.locator(".lm-Menu-itemLabel").inner_text().strip()
    if screenshot is not None:
        item.hover()
        page.screenshot(path=str(screenshot), full_page=True)
    item.click()
    page.wait_for_selector(".lm-Menu", state="detached", timeout=UI_TIMEOUT_MS)
    return label


# --- cells -----------------------------------------------------------------------------------------------


def cell(page: Page, index: int) -> Locator:
    return page.locator(CELL_SELECTOR).nth(index)


def code_cell_indices(notebook: dict, non_empty_only: bool = True) -> list[int]:
    """Return the indices of code cells in notebook JSON (empty code cells are never executed)."""
    indices = []
    for index, entry in enumerate(notebook["cells"]):
        source = entry["source"] if isinstance(entry["source"], str) else "".join(entry["source"])
        if entry["cell_type"] == "code" and (source.strip() or not non_empty_only):
            indices.append(index)
    return indices


def cell_prompts(page: Page) -> list[str]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map(c => {
            const prompt = c.querySelector('.jp-InputArea-prompt');
            return prompt ? prompt.textContent.trim() : '';
        })""",
        CELL_SELECTOR,
    )


def clear_all_outputs(page: Page) -> None:
    """Clear every output and execution count (编辑 → 清除所有单元格的输出) and wait until no count is left."""
    click_menu_command(page, "编辑", "editmenu:clear-all")
    wait_for(
        page,
        """(selector) => [...document.querySelectorAll(selector + ' .jp-InputArea-prompt')]
            .every(p => !/\\d/.test(p.textContent))""",
        CELL_SELECTOR,
        "所有执行计数已清除 (no execution count left after clearing outputs)",
        UI_TIMEOUT_MS,
    )


def wait_for_run_to_finish(page: Page, code_indices: list[int], timeout_ms: int) -> None:
    """Wait until the kernel is idle and none of the cells is queued ([*]) after at least one has run.

    After an error, run-all aborts the queued cells and their prompts return to [ ], so this also ends on error.
    """
    wait_for(
        page,
        """([selector, indices]) => {
            const panel = document.querySelector(selector);
            const indicator = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
            if (!indicator || indicator.dataset.status !== 'idle') return false;
            const cells = panel.querySelectorAll('.jp-Notebook .jp-Cell');
            const prompts = indices.map(i => {
                const prompt = cells[i] && cells[i].querySelector('.jp-InputArea-prompt');
                return prompt ? prompt.textContent : '';
            });
            return !prompts.some(p => p.includes('*')) && prompts.some(p => /\\d/.test(p));
        }""",
        [ACTIVE_NOTEBOOK, code_indices],
        f"全部 {len(code_indices)} 个代码单元格执行完毕、内核空闲 (all code cells executed, kernel idle)",
        timeout_ms,
    )


def unexecuted_cells(page: Page, code_indices: list[int]) -> list[int]:
    prompts = cell_prompts(page)
    return [index for index in code_indices if not re.search(r"\[\d+\]", prompts[index])]


def run_cell(page: Page, index: int, timeout_ms: int = KERNEL_READY_TIMEOUT_MS) -> None:
    """Select cell `index`, run it with Ctrl+Enter (运行选定的所有单元格且不再继续) and wait until it has run."""
    before = cell_prompts(page)[index]
    target = cell(page, index)
    target.scroll_into_view_if_needed()
    target.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Control+Enter")
    wait_for(
        page,
        """([selector, index, before]) => {
            const cell = document.querySelectorAll(selector)[index];
            const prompt = cell.querySelector('.jp-InputArea-prompt').textContent;
            const panel = cell.closest('.jp-NotebookPanel');
            const status = panel.querySelector('.jp-Notebook-ExecutionIndicator').dataset.status;
            return /\\[\\d+\\]/.test(prompt) && prompt !== before && status === 'idle';
        }""",
        [CELL_SELECTOR, index, before],
        f"第 {index} 个单元格执行完毕 (cell {index} executed)",
        timeout_ms,
    )


def replace_cell_text(page: Page, index: int, lines: list[str]) -> str:
    """Replace the source of cell `index` by typing: select all in its editor, then type line by line.

    Lines are given without leading indentation: the editor indents after a line ending in ':' by itself.
    Returns the editor text afterwards.
    """
    editor = cell(page, index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    for number, line in enumerate(lines):
        if number > 0:
            page.keyboard.press("Enter")
        page.keyboard.type(line)
    return editor_text(page, index)


def editor_text(page: Page, index: int) -> str:
    return cell(page, index).locator(".cm-content").evaluate(
        "(content) => [...content.querySelectorAll('.cm-line')].map(line => line.textContent).join('\\n')"
    )


# --- outputs ---------------------------------------------------------------------------------------------


@dataclass
class CellOutput:
    cell_index: int
    mime_type: str | None
    text: str


def outputs(page: Page, cell_index: int | None = None) -> list[CellOutput]:
    """Return every rendered output (mime type and text content), of one cell or of the whole notebook."""
    rows = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].flatMap((cell, index) =>
            [...cell.querySelectorAll('.jp-OutputArea-output')].map(output =>
                [index, output.getAttribute('data-mime-type'), output.textContent]))""",
        CELL_SELECTOR,
    )
    found = [CellOutput(index, mime, text) for index, mime, text in rows]
    return [entry for entry in found if cell_index is None or entry.cell_index == cell_index]


def stderr_outputs(page: Page) -> list[CellOutput]:
    """Return error tracebacks and stderr streams (JupyterLab renders both with the stderr mime type)."""
    return [entry for entry in outputs(page) if entry.mime_type == STDERR_MIME]


def chinese_assertion_messages(entries: list[CellOutput]) -> list[str]:
    """Return the 'AssertionError: …' lines that contain CJK characters."""
    messages = []
    for entry in entries:
        for line in entry.text.splitlines():
            if line.startswith("AssertionError") and CJK_PATTERN.search(line):
                messages.append(line.strip())
    return messages


# --- course widgets --------------------------------------------------------------------------------------


def widget_render_problems(page: Page, min_widgets: int) -> list[str]:
    """Return what is wrong with the course widgets drawn in the notebook; an empty list means all drawn.

    A widget counts as drawn when its .rnn-course-widget box contains a loaded PNG (img.rnn-figure) and a
    non-empty readout (.rnn-readout-value). Placeholder or error texts of the widget manager, and widget
    reprs shown as plain text (no widget renderer), are problems too.
    """
    report = page.evaluate(
        """([selector, failureTexts]) => {
            const notebook = document.querySelector(selector + ' .jp-Notebook');
            if (!notebook) return {missingNotebook: true};
            const widgets = [...notebook.querySelectorAll('.rnn-course-widget')].map(box => {
                const img = box.querySelector('img.rnn-figure');
                const values = [...box.querySelectorAll('.rnn-readout-value')].map(v => v.textContent.trim());
                return {
                    title: (box.querySelector('b') || box).textContent.trim().slice(0, 60),
                    hasImage: img !== null,
                    imageLoaded: img !== null && img.complete && img.naturalWidth > 0,
                    imageSource: img === null ? '' : img.src.slice(0, 5),
                    readouts: values,
                };
            });
            const outputs = [...notebook.querySelectorAll('.jp-OutputArea-output')];
            const failures = [];
            for (const output of outputs) {
                for (const text of failureTexts) {
                    if (output.textContent.includes(text)) failures.push(text);
                }
            }
            const plain = outputs.filter(o => o.getAttribute('data-mime-type') === 'text/plain')
                .map(o => o.textContent.slice(0, 200));
            return {widgets, failures, plain};
        }""",
        [ACTIVE_NOTEBOOK, list(WIDGET_FAILURE_TEXTS)],
    )
    if report.get("missingNotebook"):
        return ["没有找到打开的笔记本 (no open notebook)"]

    problems = []
    widgets = report["widgets"]
    if len(widgets) < min_widgets:
        problems.append(f"只绘制了 {len(widgets)} 个 .rnn-course-widget，应至少 {min_widgets} 个 "
                        f"(drawn course widgets: {len(widgets)}, expected at least {min_widgets})")
    for number, widget in enumerate(widgets):
        name = f"控件 {number}「{widget['title']}」"
        if not widget["hasImage"]:
            problems.append(f"{name} 没有 img.rnn-figure 图像 (figure image missing)")
        elif not widget["imageLoaded"]:
            problems.append(f"{name} 的 PNG 图像没有加载 (figure PNG not loaded, src={widget['imageSource']}…)")
        if not any(widget["readouts"]):
            problems.append(f"{name} 没有读数 .rnn-readout-value (readout values missing)")
    for text in sorted(set(report["failures"])):
        problems.append(f"输出中出现控件管理器的占位或错误文字「{text}」 (widget manager placeholder/error text)")
    for text in report["plain"]:
        if WIDGET_REPR_PATTERN.search(text):
            problems.append(f"控件被显示成纯文本「{text.strip()}」，说明没有控件渲染器 "
                            "(widget shown as text/plain repr)")
    return problems


def course_widget(page: Page, control_label: str) -> Locator:
    """Return the .rnn-course-widget that contains a control labelled control_label (exact text)."""
    widget = page.locator(".rnn-course-widget").filter(
        has=page.locator(f".widget-label:text-is('{control_label}')")
    )
    count = widget.count()
    if count != 1:
        raise BrowserCheckError(f"找到 {count} 个含控件「{control_label}」的课程控件，应为 1 个 "
                                f"(course widgets with control {control_label!r}: {count}, expected 1)")
    return widget


def scroll_to_top(element: Locator) -> None:
    """Scroll the notebook so that the element's top edge is at the top of the notebook view (for screenshots).

    Off-screen cells have estimated heights, and the real ones arrive a frame after they scroll into view,
    so the correction repeats until the element stays within 2 px of the top (or cannot move) for 3 frames.
    """
    element.evaluate(
        """async (node) => {
            const frame = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
            const scroller = node.closest('.jp-WindowedPanel-outer');
            if (!scroller) { node.scrollIntoView({block: 'start'}); return; }
            let settledFrames = 0;
            for (let attempt = 0; attempt < 30 && settledFrames < 3; attempt++) {
                const offset = node.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
                const before = scroller.scrollTop;
                if (Math.abs(offset) >= 2) scroller.scrollTop = before + offset;
                settledFrames = (Math.abs(offset) < 2 || scroller.scrollTop === before) ? settledFrames + 1 : 0;
                await frame();
            }
        }"""
    )


def slider_handle(widget: Locator, control_label: str) -> Locator:
    label = widget.page.locator(f".widget-label:text-is('{control_label}')")
    slider = widget.locator(".widget-slider").filter(has=label)
    return slider.locator(".noUi-handle")


def figure_png(widget: Locator) -> bytes:
    """Return the PNG bytes that the widget's img.rnn-figure shows (fetched from its blob/data URL)."""
    encoded = widget.locator("img.rnn-figure").evaluate(
        """async (img) => {
            const response = await fetch(img.src);
            const bytes = new Uint8Array(await response.arrayBuffer());
            let binary = '';
            for (const byte of bytes) binary += String.fromCharCode(byte);
            return btoa(binary);
        }"""
    )
    return base64.b64decode(encoded)


def readout_values(widget: Locator) -> list[str]:
    return [text.strip() for text in widget.locator(".rnn-readout-value").all_text_contents()]


def wait_for_readouts_to_change(widget: Locator, before: list[str], control_label: str) -> list[str]:
    """Wait until the readout values differ from `before` (they arrive in a message after the figure)."""
    wait_for(
        widget.page,
        """([box, before]) => {
            const values = [...box.querySelectorAll('.rnn-readout-value')].map(v => v.textContent.trim());
            return JSON.stringify(values) !== JSON.stringify(before);
        }""",
        [widget.element_handle(), before],
        f"拖动「{control_label}」后读数更新 (readout values changed after moving slider {control_label!r})",
        WIDGET_UPDATE_TIMEOUT_MS,
    )
    return readout_values(widget)


def move_slider_by_keyboard(widget: Locator, control_label: str) -> tuple[str, str]:
    """Focus the slider handle and press End (or Home when already at the maximum); wait for a new figure.

    Returns the slider's value text before and after the move.
    """
    handle = slider_handle(widget, control_label)
    handle.scroll_into_view_if_needed()
    before = handle.get_attribute("aria-valuetext")
    at_maximum = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    old_source = widget.locator("img.rnn-figure").get_attribute("src")
    handle.focus()
    handle.press("Home" if at_maximum else "End")
    wait_for(
        widget.page,
        "([img, oldSource]) => img.src !== oldSource && img.complete && img.naturalWidth > 0",
        [widget.locator("img.rnn-figure").element_handle(), old_source],
        f"拖动「{control_label}」后图像更新 (figure re-rendered after moving slider {control_label!r})",
        WIDGET_UPDATE_TIMEOUT_MS,
    )
    return before, handle.get_attribute("aria-valuetext")
