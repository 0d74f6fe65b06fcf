"""Parse a submitted notebook and rebuild it from the release notebook of its assignment.

Only the student's code is taken from the submission: the sources of the solution cells (matched by
grade_id; parts of a split cell with the same grade_id are joined in order) and the student's own
code cells. Every locked cell, every test cell and all nbgrader metadata come from the release
notebook, so edited or deleted tests, raised points, flipped grade flags and a wrong kernelspec have
no effect on the grade.
"""

from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import canary, settings


class SubmissionError(Exception):
    """A submission that cannot be graded; the message is the Chinese reason shown in the report."""


@dataclass
class Rebuilt:
    notebook: nbformat.NotebookNode
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    canary_count: int = 0


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    if not isinstance(source, str):
        raise SubmissionError("单元格的 source 字段不是文本。")
    return source


def _nbgrader_meta(cell: dict) -> dict:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return {}
    meta = metadata.get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def load_submission(path: Path) -> tuple[dict, list[str]]:
    """Read and parse a submitted file; raise SubmissionError with a Chinese reason when impossible."""
    notes: list[str] = []
    try:
        size = path.stat().st_size
    except OSError as error:
        raise SubmissionError(f"无法读取提交的文件：{error.strerror}。") from None
    if size == 0:
        raise SubmissionError("提交的文件是空的（0 字节）。")
    if size > settings.MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"提交的文件过大：{size} 字节，上限 {settings.MAX_SUBMISSION_BYTES} 字节。")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise SubmissionError("提交的文件是二进制文件，不是 Jupyter 笔记本（.ipynb 是 JSON 文本）。")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SubmissionError(f"提交的文件不是 UTF-8 文本（第 {error.start} 字节无法解码），"
                              "不是有效的笔记本。") from None
    if not text.strip():
        raise SubmissionError("提交的文件只含空白字符，不是有效的笔记本。")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionError(f"提交的文件不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列，"
                              f"{error.msg}。") from None
    except RecursionError:
        raise SubmissionError("提交的 JSON 嵌套过深，无法解析。") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise SubmissionError("提交的 JSON 不是 Jupyter 笔记本：缺少 nbformat 字段。")
    version = data.get("nbformat")
    if version not in (3, 4):
        raise SubmissionError(f"不支持的笔记本格式版本 nbformat={version!r}；请用 Jupyter 保存为 nbformat 4。")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - nbformat raises many types for malformed input
        raise SubmissionError(f"无法按 nbformat 4 读取该笔记本：{type(error).__name__}。") from None
    if version == 3:
        notes.append("笔记本是旧格式 nbformat 3，已自动升级到 nbformat 4")
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError("笔记本缺少单元格列表（cells）。")
    return notebook, notes


def _defines_function(source: str, name: str) -> bool:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body)


def solution_ids(release: dict) -> list[str]:
    return [_nbgrader_meta(cell)["grade_id"] for cell in release["cells"]
            if _nbgrader_meta(cell).get("solution") and _nbgrader_meta(cell).get("grade_id")]


def grade_ids(release: dict) -> list[str]:
    return [_nbgrader_meta(cell)["grade_id"] for cell in release["cells"] if _nbgrader_meta(cell).get("grade")]


def rebuild(release: dict, submission: dict, nonce: str, assignment: str,
            other_assignments: dict[str, set[str]] | None = None) -> Rebuilt:
    """Return a notebook with the release's cells and the student's code in the solution cells."""
    solution_order = solution_ids(release)
    solution_set = set(solution_order)
    locked_ids = {_nbgrader_meta(cell).get("grade_id") for cell in release["cells"]} - solution_set
    parts: dict[str, list[str]] = {grade_id: [] for grade_id in solution_order}
    extras: list[tuple[str | None, str]] = []
    foreign_ids: set[str] = set()
    anchor: str | None = None
    duplicated: set[str] = set()
    for cell in submission["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        grade_id = _nbgrader_meta(cell).get("grade_id")
        if isinstance(grade_id, str) and grade_id in solution_set:
            if parts[grade_id]:
                duplicated.add(grade_id)
            parts[grade_id].append(source)
            anchor = grade_id
        elif isinstance(grade_id, str) and grade_id in locked_ids:
            continue
        else:
            if isinstance(grade_id, str) and grade_id:
                foreign_ids.add(grade_id)
            if source.strip():
                extras.append((anchor, source))

    notes: list[str] = []
    if duplicated:
        notes.append("合并了 grade_id 重复的拆分解答单元格：" + "、".join(sorted(duplicated)))
    # A solution cell whose nbgrader metadata was removed is found by the function it defines.
    for grade_id in solution_order:
        if parts[grade_id]:
            continue
        for position, (_anchor, source) in enumerate(extras):
            if _defines_function(source, grade_id):
                parts[grade_id].append(source)
                extras.pop(position)
                notes.append(f"解答单元格 {grade_id} 缺少 nbgrader 元数据，按函数定义找回")
                break

    matched = [grade_id for grade_id in solution_order if parts[grade_id]]
    missing = [grade_id for grade_id in solution_order if not parts[grade_id]]
    if not matched:
        owner = None
        for name, ids in (other_assignments or {}).items():
            if name != assignment and foreign_ids & ids:
                owner = name
        if owner:
            raise SubmissionError(f"这是作业 {owner} 的笔记本，不是作业 {assignment} 的；没有可评分的解答单元格。")
        raise SubmissionError(f"笔记本中没有作业 {assignment} 的任何解答单元格（grade_id 不匹配），"
                              "可能提交了错误的笔记本。")
    if missing:
        notes.append("缺少解答单元格（按空白处理）：" + "、".join(missing))

    cells: list[nbformat.NotebookNode] = [nbformat.v4.new_code_cell(canary.snapshot_source(nonce))]
    leading = [source for extra_anchor, source in extras if extra_anchor is None]
    canary_index = 0
    placed_leading = False
    first_solution_position = next(i for i, cell in enumerate(release["cells"])
                                   if _nbgrader_meta(cell).get("grade_id") in solution_set)
    for position, release_cell in enumerate(release["cells"]):
        meta = _nbgrader_meta(release_cell)
        grade_id = meta.get("grade_id")
        if position == first_solution_position and not placed_leading:
            cells.extend(nbformat.v4.new_code_cell(source) for source in leading)
            placed_leading = True
        if release_cell.get("cell_type") == "code" and not meta:
            continue  # the release's free cells are replaced by the student's own code cells
        cell = copy.deepcopy(release_cell)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
        if grade_id in solution_set:
            if parts[grade_id]:
                cell["source"] = "\n\n".join(parts[grade_id])
            cells.extend(nbformat.v4.new_code_cell(source) for source in
                         (s for extra_anchor, s in extras if extra_anchor == grade_id))
        if meta.get("grade") and not meta.get("solution"):
            cells.append(nbformat.v4.new_code_cell(canary.canary_source(nonce, canary_index)))
            canary_index += 1
    cells.append(nbformat.v4.new_code_cell(canary.canary_source(nonce, canary_index)))
    canary_index += 1
    cells.append(nbformat.v4.new_code_cell(canary.expected_failure_source(nonce)))

    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index:04d}"
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(release.get("metadata", {})))
    return Rebuilt(notebook=notebook, matched=matched, missing=missing, notes=notes, canary_count=canary_index)
