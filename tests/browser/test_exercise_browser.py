"""An exercise in a real JupyterLab: a wrong answer typed into a solution cell gets a Chinese assert message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lab_ui
import pytest
from lab_server import LabServer
from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

EXERCISE = "exercises/a2_gradients_memory/a2_gradients_memory.ipynb"
FUNCTION = "tbptt_min_window"
# A plausible wrong answer: truncates instead of taking the ceiling and never raises ValueError
# (decay_rate = 0 ends in ZeroDivisionError).
WRONG_ANSWER = [
    "import math",
    f"def {FUNCTION}(I0, decay_rate, delta):",
    "return int(math.log(I0 / delta) / decay_rate)",
]
# The contract K = ceil(ln(I0/δ)/λ − 1e-9), at least 0, ValueError for arguments ≤ 0; written
# differently from any reference on purpose, to show that the visible tests accept it.
CORRECT_ANSWER = [
    "import math",
    f"def {FUNCTION}(I0, decay_rate, delta):",
    "if min(I0, decay_rate, delta) <= 0: raise ValueError(f'参数必须都大于 0：{(I0, decay_rate, delta)}')",
    "return max(0, math.ceil(math.log(I0 / delta) / decay_rate - 1e-9))",
]


def cell_source(entry: dict) -> str:
    return entry["source"] if isinstance(entry["source"], str) else "".join(entry["source"])


def nbgrader_flag(entry: dict, name: str) -> bool:
    return bool(entry.get("metadata", {}).get("nbgrader", {}).get(name, False))


def locate_task(notebook: dict, function: str) -> tuple[int, list[int], list[int]]:
    """Return the solution cell of `function`, the set-up cells before it and the test cells after it.

    Set-up cells are the non-empty code cells above the solution that are not graded tests of other tasks.
    The task's cells run from the solution to its last graded test cell before the next solution cell.
    """
    cells = notebook["cells"]
    solution = next(
        (index for index, entry in enumerate(cells)
         if entry["cell_type"] == "code" and f"def {function}(" in cell_source(entry)),
        None,
    )
    assert solution is not None, f"{EXERCISE} 中没有定义 {function} 的解答单元格 (solution cell not found)"

    setup = [index for index in lab_ui.code_cell_indices(notebook)
             if index < solution and not nbgrader_flag(cells[index], "grade")]
    task_cells = []
    for index in range(solution + 1, len(cells)):
        entry = cells[index]
        if nbgrader_flag(entry, "solution"):
            break
        if entry["cell_type"] == "code" and cell_source(entry).strip():
            task_cells.append(index)
    graded = [index for index in task_cells if nbgrader_flag(cells[index], "grade")]
    assert graded, f"{function} 的解答单元格之后没有评分测试单元格 (no graded test cell after the solution)"
    return solution, setup, task_cells[: task_cells.index(graded[-1]) + 1]


def type_answer(page: Page, solution: int, lines: list[str]) -> None:
    """Type `lines` over the solution cell; check the editor contains them with lines[2:] (the body) indented by 4."""
    typed = lab_ui.replace_cell_text(page, solution, lines)
    expected = "\n".join(lines[:2] + ["    " + line for line in lines[2:]])
    assert typed == expected, f"解答单元格中的文字与输入不符 (editor text differs from what was typed):\n{typed}"


@dataclass
class ExerciseSession:
    page: Page
    solution: int
    task_cells: list[int]


@pytest.fixture(scope="module")
def exercise(browser_context: BrowserContext, lab_server: LabServer) -> Iterator[ExerciseSession]:
    """Open the exercise with a fresh kernel and run its set-up cells, as a learner would before a task."""
    assert (lab_server.root_dir / EXERCISE).is_file(), f"缺少练习笔记本 {EXERCISE} (exercise notebook missing)"
    notebook = lab_server.read_notebook(EXERCISE)
    solution, setup, task_cells = locate_task(notebook, FUNCTION)
    page = browser_context.new_page()
    try:
        lab_ui.open_notebook(page, lab_server, EXERCISE, "exercise", len(notebook["cells"]))
        lab_ui.clear_all_outputs(page)
        for index in setup:
            lab_ui.run_cell(page, index)
        yield ExerciseSession(page, solution, task_cells)
    finally:
        page.close()
        lab_server.shutdown_kernels()


def answer_and_run_tests(exercise: ExerciseSession, lines: list[str]) -> list[lab_ui.CellOutput]:
    """Type an answer into the solution cell, run it and the task's cells; return the task cells' outputs."""
    page = exercise.page
    type_answer(page, exercise.solution, lines)
    lab_ui.run_cell(page, exercise.solution)
    for index in exercise.task_cells:
        lab_ui.run_cell(page, index)
    return [entry for index in [exercise.solution, *exercise.task_cells] for entry in lab_ui.outputs(page, index)]


def test_wrong_answer_gets_chinese_assert(exercise: ExerciseSession,
                                          screenshot: Callable[[Page, str], Path]) -> None:
    task_outputs = answer_and_run_tests(exercise, WRONG_ANSWER)
    messages = lab_ui.chinese_assertion_messages(task_outputs)
    failing = next((entry for entry in task_outputs if entry.mime_type == lab_ui.STDERR_MIME), None)
    if failing is not None:
        lab_ui.cell(exercise.page, failing.cell_index).scroll_into_view_if_needed()
    screenshot(exercise.page, "08_exercise_wrong_answer")
    output_text = "\n".join(entry.text[-800:] for entry in task_outputs) or "（没有输出）"
    assert messages, (
        "错误答案没有得到含中文的 AssertionError (no AssertionError with a Chinese message)。"
        f"测试单元格输出：\n{output_text}"
    )


def test_correct_answer_passes_visible_tests(exercise: ExerciseSession,
                                             screenshot: Callable[[Page, str], Path]) -> None:
    """Control for the test above: the same cells pass with a correct answer, so the failure came from the answer."""
    task_outputs = answer_and_run_tests(exercise, CORRECT_ANSWER)
    lab_ui.cell(exercise.page, exercise.task_cells[-1]).scroll_into_view_if_needed()
    screenshot(exercise.page, "09_exercise_correct_answer")
    errors = [entry for entry in task_outputs if entry.mime_type == lab_ui.STDERR_MIME]
    report = "\n".join(f"单元格 {entry.cell_index}:\n{entry.text[-800:]}" for entry in errors)
    assert not errors, f"正确答案没有通过可见测试 (correct answer failed the visible tests):\n{report}"
