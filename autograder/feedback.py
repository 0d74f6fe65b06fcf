"""Feedback sanitizer and the Chinese messages derived from test-cell outputs.

Feedback HTML must not reveal hidden tests: the hidden-test region of every test cell is removed, and
error tracebacks (which quote the failing source line) are replaced by the exception's last line.
The grader's own canary cells are dropped.
"""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import canary

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
HIDDEN_PLACEHOLDER = "# （此处的隐藏测试不在反馈中显示）"


def strip_hidden_tests(source: str) -> str:
    """Remove every BEGIN/END HIDDEN TESTS region, leaving a one-line placeholder."""
    kept: list[str] = []
    hidden = False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            hidden = True
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + HIDDEN_PLACEHOLDER)
        elif END_HIDDEN in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def hidden_test_lines(source: str) -> list[str]:
    """Return the lines inside hidden-test regions of source."""
    lines: list[str] = []
    hidden = False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            hidden = True
        elif END_HIDDEN in line:
            hidden = False
        elif hidden:
            lines.append(line)
    return lines


def error_message(ename: str, evalue: str) -> str:
    """Return the Chinese one-line message for a test-cell error: the assert text, never source."""
    lines = [line.strip() for line in (evalue or "").strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if ename == "NotImplementedError":
        return "尚未实现" + (f"（{last}）" if last else "")
    if ename == "AssertionError":
        return last or "断言失败（没有说明）"
    if ename in ("CellTimeoutError", "KeyboardInterrupt", "TimeoutError"):
        return "运行超时，单元格被中断"
    return f"{ename}: {last}" if last else ename


def cell_failure(cell: dict) -> str | None:
    """Return why nbgrader gave a test cell no points, or None when it passed."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return error_message(output.get("ename", ""), output.get("evalue", ""))
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "测试单元格向 stderr 输出了内容（nbgrader 因此记 0 分）"
    return None


# Largest text kept per output after execution; nbgrader's LimitOutput counts lines, so one huge line
# (for example 100 MB printed at once) would otherwise reach the autograded notebook and the feedback.
MAX_OUTPUT_CHARS = 100_000


class TruncateOutput(NbGraderPreprocessor):
    """Cut every stream text and text/plain result to MAX_OUTPUT_CHARS characters."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and len(output.get("text", "")) > MAX_OUTPUT_CHARS:
                dropped = len(output["text"]) - MAX_OUTPUT_CHARS
                output["text"] = output["text"][:MAX_OUTPUT_CHARS] + f"\n……（输出过长，已截去 {dropped} 个字符）\n"
            data = output.get("data", {})
            for key, value in list(data.items()):
                if isinstance(value, str) and len(value) > MAX_OUTPUT_CHARS:
                    data[key] = value[:MAX_OUTPUT_CHARS] + "……（输出过长，已截断）"
        return cell, resources


class SanitizeFeedback(NbGraderPreprocessor):
    """Remove hidden tests, source-quoting tracebacks and grader-owned cells before HTML export."""

    def preprocess(self, nb, resources):
        cells = []
        for cell in nb.cells:
            source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
            if canary.cell_tag(source) is not None:
                continue
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                cell.source = strip_hidden_tests(source)
            if cell.cell_type == "code":
                outputs = []
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        message = error_message(output.get("ename", ""), output.get("evalue", ""))
                        output = nbformat.v4.new_output("error", ename=output.get("ename", ""), evalue=message,
                                                        traceback=[f"{output.get('ename', '')}: {message}"])
                    outputs.append(output)
                cell.outputs = outputs
            cells.append(cell)
        nb.cells = cells
        return nb, resources
