"""Hostile and broken submissions, graded in the shared class by one real CLI call with the real gradebook.

Each case checks that this submission gets the right score (0 where it cheats) with a reason, while the
references and blanks graded in the same run keep their grades (see test_exercise_grading.py).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest
from test_autograder_classroom import (
    HOSTILE_ASSIGNMENT,
    OTHER_ASSIGNMENT,
    REPO,
    Expectation,
    blank,
    expected_score,
    full_marks,
    function_points,
    graded_class,
    insert_code_after_setup,
    meta,
    reference,
    replace_solution,
    solution_source,
    write,
)

from autograder.sandbox import sandbox_is_privileged

__all__ = ["graded_class"]

A = HOSTILE_ASSIGNMENT
# The graded function whose solution cell the partial-score cases break.
VICTIM = "tbptt_min_window"
TAMPERED = "检测到对评分环境的篡改"


def _path(class_dir: Path, student: str, name: str = A, filename: str | None = None) -> Path:
    return class_dir / student / name / (filename or f"{name}.ipynb")


def _prefix_victim(nb, prefix: str):
    return replace_solution(nb, VICTIM, prefix + "\n" + solution_source(nb, VICTIM))


def add_hostile_cases(class_dir: Path, out: Path, expectations: dict) -> None:
    ref, empty = reference(A), blank(A)
    partial = full_marks(A) - function_points(A, VICTIM)

    def add(student: str, content, expectation: Expectation, name: str = A, filename: str | None = None) -> None:
        write(_path(class_dir, student, name, filename), content)
        expectations[student] = expectation

    # ---- unreadable files
    add("h-invalid-json", b'{"cells": [ {"cell_type": "code", ', Expectation(A, 0.0, "rejected", "JSON"))
    add("h-empty", b"", Expectation(A, 0.0, "rejected", "空"))
    add("h-binary", bytes(range(256)) * 64, Expectation(A, 0.0, "rejected", "二进制"))
    add("h-not-notebook", json.dumps({"hello": "world"}).encode(), Expectation(A, 0.0, "rejected", "nbformat"))

    # ---- old nbformat: upgraded and graded normally
    v3 = nbformat.convert(copy.deepcopy(ref), 3)
    add("h-nbformat3", nbformat.writes(v3, version=3).encode("utf-8"), Expectation(A, "full", note="nbformat 3"))

    # ---- a solution cell split in two with the same grade_id: the parts are joined
    split = copy.deepcopy(ref)
    position = next(i for i, c in enumerate(split.cells) if meta(c).get("grade_id") == VICTIM)
    first = copy.deepcopy(split.cells[position])
    first["id"] = "split-part-one"
    first.source = "import math\n_SPLIT_PART_ONE = 1"
    split.cells[position].source = solution_source(ref, VICTIM) + "\nassert _SPLIT_PART_ONE == 1"
    split.cells.insert(position, first)
    add("h-split-cell", split, Expectation(A, "full", note="合并"))

    # ---- tests deleted, tests edited, metadata edited, wrong kernelspec
    deleted = copy.deepcopy(ref)
    deleted.cells = [c for c in deleted.cells if not (meta(c).get("grade") and not meta(c).get("solution"))]
    add("h-deleted-tests", deleted, Expectation(A, "full"))
    edited = copy.deepcopy(empty)
    for cell in edited.cells:
        if meta(cell).get("grade") and not meta(cell).get("solution"):
            cell.source = "assert True"
    add("h-edited-tests", edited, Expectation(A, 0.0))
    flipped = copy.deepcopy(empty)
    for cell in flipped.cells:
        nbgrader = meta(cell)
        if nbgrader:
            nbgrader["points"] = 100
            nbgrader["grade"] = not nbgrader.get("grade", False)
            nbgrader.pop("locked", None)
            cell.metadata.pop("deletable", None)
            cell.metadata.pop("editable", None)
    add("h-edited-metadata", flipped, Expectation(A, 0.0))
    kernel = copy.deepcopy(ref)
    kernel.metadata["kernelspec"] = {"name": "evil-kernel", "display_name": "Evil", "language": "python"}
    add("h-wrong-kernelspec", kernel, Expectation(A, "full"))

    # ---- an object whose __eq__ is always True
    always_equal = ("class _AlwaysEqual(int):\n    def __eq__(self, other):\n        return True\n"
                    "    __hash__ = int.__hash__\n\n"
                    "def tbptt_min_window(I0, decay_rate, delta):\n    return _AlwaysEqual(0)\n")
    add("h-always-equal", replace_solution(ref, VICTIM, always_equal), Expectation(A, partial))

    # ---- monkeypatching of test helpers and builtins (blank answers, so any points would be fake)
    patches = {
        "h-patch-numpy": "import numpy.testing\nnumpy.testing.assert_allclose = lambda *args, **kwargs: None",
        "h-patch-torch": "import torch.testing\ntorch.testing.assert_close = lambda *args, **kwargs: None",
        "h-patch-checks": ("import rnn_course.checks as _checks\n"
                           "for _name in [n for n in dir(_checks) if n.startswith('check_')]:\n"
                           "    setattr(_checks, _name, lambda *args, **kwargs: None)\n"
                           "    globals()[_name] = getattr(_checks, _name)\n"),
        "h-patch-assertionerror": "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})",
        "h-input-transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
        "h-custom-exc": "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)",
        "h-showtraceback": "get_ipython().showtraceback = lambda *args, **kwargs: None",
    }
    for student, code in patches.items():
        add(student, insert_code_after_setup(empty, code), Expectation(A, 0.0, "tampered", TAMPERED))
    # IPython puts its own sys.excepthook back around every cell, so this patch has no effect: blank, 0 points.
    add("h-excepthook", insert_code_after_setup(empty, "import sys\nsys.excepthook = lambda *args: None"),
        Expectation(A, 0.0, None))
    # A patched isinstance breaks the kernel's own messaging; the canary or the crash handling gives 0.
    patched_isinstance = "import builtins\nbuiltins.isinstance = lambda *args: True"
    add("h-patch-isinstance", insert_code_after_setup(empty, patched_isinstance), Expectation(A, 0.0, None))

    # ---- exits, crashes, loops, memory, output
    add("h-sys-exit", replace_solution(ref, VICTIM, "import sys\nsys.exit(3)"), Expectation(A, partial))
    add("h-os-exit", _prefix_victim(ref, "import os\nos._exit(0)"), Expectation(A, 0.0, "crashed", "崩溃"))
    add("h-segfault", _prefix_victim(ref, "import ctypes\nctypes.string_at(0)"), Expectation(A, 0.0, "crashed", "崩溃"))
    add("h-infinite-loop", _prefix_victim(ref, "while True:\n    pass"), Expectation(A, partial))
    add("h-memory-bomb", _prefix_victim(ref, "_bomb = bytearray(3584 * 1024**2)"), Expectation(A, partial))
    add("h-huge-output", _prefix_victim(ref, "print('x' * (100 * 1024**2))"), Expectation(A, "full"))

    # ---- reading the references, .git or the gradebook; writing outside the submission
    probe = f'''
import glob, os, pathlib
_targets = [{str(REPO / "solutions" / A / f"{A}.ipynb")!r}, {str(REPO / ".git" / "HEAD")!r},
            {str(out / "gradebook.db")!r}, {str(REPO / "tests" / "grading_cases" / f"{A}.py")!r}]
_targets += glob.glob("/tmp/**/gradebook.db", recursive=True)
_seen = []
for _target in _targets:
    try:
        with open(_target, "rb") as _handle:
            _handle.read(16)
        _seen.append(_target)
    except OSError:
        pass
print("VISI" + "BLE:" + repr(_seen) if _seen else "ALL-" + "HIDDEN")
for _cell in (__import__("json").load(open(_targets[0], encoding="utf-8"))["cells"] if _targets[0] in _seen else []):
    if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"):
        exec("".join(_cell["source"]))
'''
    add("h-read-secrets", insert_code_after_setup(empty, probe), Expectation(A, 0.0))
    vandal = f'''
import os, pathlib, shutil
_results = []
for _target in [{str(REPO / "solutions" / A / f"{A}.ipynb")!r}, {str(out / "gradebook.db")!r},
                {str(REPO / "PWNED")!r}, "../../solutions/pwned.ipynb", "../../../gradebook.db"]:
    try:
        with open(_target, "w", encoding="utf-8") as _handle:
            _handle.write("vandalised")
        _results.append("WRIT" + "TEN:" + _target)
    except OSError:
        _results.append("DENIED")
for _target in [{str(REPO / "solutions")!r}, {str(out)!r}]:
    shutil.rmtree(_target, ignore_errors=True)
print(_results)
'''
    # NOTE: without root the kernel runs as the current user, who may own the repository, so the vandal
    # case is only built when the sandbox can hide and protect the files.
    if sandbox_is_privileged():
        add("h-write-outside", insert_code_after_setup(ref, vandal), Expectation(A, "full"))

    # ---- an answer that calls the chapter's analysis code instead of implementing the function
    borrowed = ("from rnn_course.memory import truncation_window\n\n"
                "def tbptt_min_window(I0, decay_rate, delta):\n"
                "    return truncation_window(I0, decay_rate, delta).window\n")
    if sandbox_is_privileged():
        add("h-chapter-code", replace_solution(ref, VICTIM, borrowed), Expectation(A, partial))

    # ---- extra files that try to shadow the test helpers, a wrong assignment, odd names
    add("h-extra-files", empty, Expectation(A, 0.0, note="附加文件"))
    fake = "def check_float(*a, **k):\n    pass\n"
    extra_root = _path(class_dir, "h-extra-files").parent
    for relative in ("rnn_course/__init__.py", "rnn_course/checks.py", "sitecustomize.py", "numpy.py"):
        (extra_root / relative).parent.mkdir(parents=True, exist_ok=True)
        (extra_root / relative).write_text(fake, encoding="utf-8")
    add("h-wrong-assignment", reference(OTHER_ASSIGNMENT), Expectation(A, 0.0, "rejected", OTHER_ASSIGNMENT))
    add("张三", ref, Expectation(A, "full"))
    add("Zoë-Ünïcødé", empty, Expectation(A, 0.0))
    add("李四", ref, Expectation(A, "full", note="作业答案.ipynb"), filename="作业答案.ipynb")
    write(class_dir / "h-unknown" / "zz_unknown" / "zz_unknown.ipynb", ref)
    expectations["h-unknown"] = Expectation("zz_unknown", 0.0, "unknown_assignment", "未知作业")
    link = _path(class_dir, "h-symlink")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(REPO / "solutions" / A / f"{A}.ipynb")
    expectations["h-symlink"] = Expectation(A, 0.0, "missing_notebook", "符号链接")


HOSTILE = [
    "h-invalid-json", "h-empty", "h-binary", "h-not-notebook", "h-nbformat3", "h-split-cell", "h-deleted-tests",
    "h-edited-tests", "h-edited-metadata", "h-wrong-kernelspec", "h-always-equal", "h-patch-numpy", "h-patch-torch",
    "h-patch-checks", "h-patch-isinstance", "h-patch-assertionerror", "h-input-transformer", "h-custom-exc",
    "h-excepthook", "h-showtraceback", "h-sys-exit", "h-os-exit", "h-segfault", "h-infinite-loop", "h-memory-bomb",
    "h-huge-output", "h-read-secrets", "h-write-outside", "h-chapter-code", "h-extra-files", "h-wrong-assignment",
    "张三", "Zoë-Ünïcødé", "李四", "h-unknown", "h-symlink",
]


@pytest.mark.grading
@pytest.mark.parametrize("student", HOSTILE)
def test_hostile_case(graded_class, student):
    if student not in graded_class.expectations:
        pytest.skip("这个情形只在以 root 运行评分器时构造")
    expectation = graded_class.expectations[student]
    row = graded_class.rows.get((student, expectation.assignment))
    assert row is not None, f"CSV 中没有 {student}/{expectation.assignment}\n{graded_class.stdout[-2000:]}"
    if student in ("h-read-secrets", "h-write-outside") and not sandbox_is_privileged():
        pytest.skip("文件隔离需要以 root 运行评分器")
    if expectation.status is not None:
        assert row["status"] == expectation.status, f"{student} 的状态是 {row['status']}（{row['reason']}）"
    assert abs(float(row["score"]) - expected_score(expectation)) < 1e-9, (
        f"{student} 得分 {row['score']}，应为 {expected_score(expectation)}（{row['reason']}）")
    if expectation.reason:
        assert expectation.reason in row["reason"], f"{student} 的原因 {row['reason']!r} 不含 {expectation.reason!r}"
    if expectation.note:
        assert expectation.note in row["reason"], f"{student} 的说明 {row['reason']!r} 不含 {expectation.note!r}"
    if row["status"] != "ok":
        assert row["reason"], f"{student} 记 0 分却没有原因"


@pytest.mark.grading
def test_secrets_not_visible_to_kernel(graded_class):
    if not sandbox_is_privileged():
        pytest.skip("文件隔离需要以 root 运行评分器")
    text = (graded_class.out / "feedback" / "h-read-secrets" / A / f"{A}.html").read_text(encoding="utf-8")
    assert "ALL-HIDDEN" in text
    assert "VISIBLE:" not in text


@pytest.mark.grading
def test_vandal_changed_nothing(graded_class):
    if not sandbox_is_privileged():
        pytest.skip("文件隔离需要以 root 运行评分器")
    # The references may be edited by people while the class is graded, so the check looks for the
    # vandal's own marks instead of comparing hashes taken before and after.
    for path in sorted((REPO / "solutions").rglob("*")):
        if path.is_file():
            assert path.read_bytes() != b"vandalised", f"{path} 被学生代码覆盖"
    target = REPO / "solutions" / A / f"{A}.ipynb"
    assert nbformat.read(target, as_version=4).cells, f"{target} 不再是有效的笔记本"
    assert not (REPO / "PWNED").exists()
    assert not (REPO / "solutions" / "pwned.ipynb").exists()
    assert (graded_class.out / "gradebook.db").is_file()
    text = (graded_class.out / "feedback" / "h-write-outside" / A / f"{A}.html").read_text(encoding="utf-8")
    assert "WRITTEN:" not in text
    assert text.count("DENIED") >= 5


@pytest.mark.grading
def test_huge_output_truncated(graded_class):
    path = graded_class.out / "feedback" / "h-huge-output" / A / f"{A}.html"
    assert path.stat().st_size < 5 * 1024**2, f"反馈文件 {path.stat().st_size} 字节，超大输出没有被截断"


@pytest.mark.grading
def test_hostile_neighbours_keep_grades(graded_class):
    for name in (A, OTHER_ASSIGNMENT):
        ref_row = graded_class.rows[(f"ref-{name}", name)]
        blank_row = graded_class.rows[(f"blank-{name}", name)]
        assert float(ref_row["score"]) == full_marks(name), ref_row["reason"]
        assert float(blank_row["score"]) == 0.0
