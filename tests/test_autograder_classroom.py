"""One graded class shared by the grading tests: references, blanks, wrong and correct answers, hostile cases.

The class is built once per pytest process and graded with ONE call of the real CLI
(``python -m autograder grade CLASS --jobs 2``); the tests in this file and in test_exercise_grading.py
and test_hostile_submissions.py then check per-student results, the gradebook, the CSV and the feedback.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import runpy
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
CASES = REPO / "tests" / "grading_cases"
HOSTILE_ASSIGNMENT = "a2_gradients_memory"
OTHER_ASSIGNMENT = "a1_supervision_modes"
# Cell timeout of the test run: every reference cell finishes in a few seconds, the infinite loop case
# is interrupted after this many seconds.
CELL_TIMEOUT = 30
# A reference needs well under a minute even on a loaded machine; a submission that hangs the kernel (for
# example a patched isinstance) runs into this limit, so it bounds the test time.
SUBMISSION_TIMEOUT = 150
GRADE_TIMEOUT = 3000


def assignments() -> list[str]:
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def reference(name: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4)


def blank(name: str) -> nbformat.NotebookNode:
    return nbformat.read(EXERCISES / name / f"{name}.ipynb", as_version=4)


def meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def points_of(name: str) -> dict[str, float]:
    return {meta(c)["grade_id"]: float(meta(c)["points"]) for c in blank(name).cells
            if meta(c).get("grade") and not meta(c).get("solution")}


def function_points(name: str, function: str) -> float:
    return sum(p for gid, p in points_of(name).items() if gid.startswith(f"test_{function}"))


def replace_solution(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    found = [c for c in nb.cells if meta(c).get("solution") and meta(c).get("grade_id") == grade_id]
    assert found, f"解答单元格 {grade_id} 不存在"
    found[0].source = source
    return nb


def solution_source(nb: nbformat.NotebookNode, grade_id: str) -> str:
    return next(c.source for c in nb.cells if meta(c).get("solution") and meta(c).get("grade_id") == grade_id)


def insert_code_after_setup(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    position = next(i for i, c in enumerate(nb.cells) if meta(c).get("grade_id") == "setup")
    nb.cells.insert(position + 1, nbformat.v4.new_code_cell(source))
    return nb


def load_cases(name: str) -> tuple[dict, dict]:
    module = runpy.run_path(str(CASES / f"{name}.py"))
    return module.get("WRONG_ANSWERS", {}), module.get("CORRECT_VARIANTS", {})


@dataclass
class Expectation:
    assignment: str
    score: str | float  # "full", or a number of points
    status: str | None = "ok"  # None: any status, only the score is checked
    reason: str = ""  # substring of the reported reason/notes
    note: str = ""


@dataclass
class GradedClass:
    class_dir: Path
    out: Path
    stdout: str
    returncode: int
    rows: dict[tuple[str, str], dict]
    report: dict[tuple[str, str], dict]
    expectations: dict[str, Expectation]
    combos: dict[str, dict] = field(default_factory=dict)
    solution_hashes_before: dict[str, str] = field(default_factory=dict)
    solution_hashes_after: dict[str, str] = field(default_factory=dict)


def _hash_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def write(path: Path, nb_or_bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_bytes, bytes):
        path.write_bytes(nb_or_bytes)
    else:
        nbformat.write(nb_or_bytes, path)


def add_grading_cases(class_dir: Path, expectations: dict, combos: dict) -> None:
    """References, blanks, and every wrong/correct variant (variant k of every function in one notebook)."""
    for name in assignments():
        write(class_dir / f"ref-{name}" / name / f"{name}.ipynb", reference(name))
        expectations[f"ref-{name}"] = Expectation(name, "full")
        write(class_dir / f"blank-{name}" / name / f"{name}.ipynb", blank(name))
        expectations[f"blank-{name}"] = Expectation(name, 0.0)
        wrong, correct = load_cases(name)
        for kind, table in (("wrong", wrong), ("correct", correct)):
            depth = max((len(v) for v in table.values()), default=0)
            for k in range(depth):
                student = f"{kind}{k}-{name}"
                nb = reference(name)
                used = {}
                for function, variants in table.items():
                    labels = sorted(variants)
                    if k < len(labels):
                        nb = replace_solution(nb, function, variants[labels[k]])
                        used[function] = labels[k]
                write(class_dir / student / name / f"{name}.ipynb", nb)
                combos[student] = {"assignment": name, "kind": kind, "functions": used}


def build_class(class_dir: Path, out: Path) -> tuple[dict, dict]:
    expectations: dict[str, Expectation] = {}
    combos: dict[str, dict] = {}
    add_grading_cases(class_dir, expectations, combos)
    from test_hostile_submissions import add_hostile_cases

    add_hostile_cases(class_dir, out, expectations)
    return expectations, combos


_CACHE: dict[str, GradedClass] = {}


def graded_class_once(tmp_path_factory) -> GradedClass:
    """Build and grade the class once per pytest process."""
    if "class" in _CACHE:
        return _CACHE["class"]
    base = tmp_path_factory.mktemp("graded_class")
    class_dir, out = base / "class", base / "out"
    expectations, combos = build_class(class_dir, out)
    before = _hash_tree(SOLUTIONS)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(class_dir), "--out", str(out), "--jobs", "2",
         "--cell-timeout", str(CELL_TIMEOUT), "--timeout", str(SUBMISSION_TIMEOUT)],
        cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=GRADE_TIMEOUT,
    )
    rows = {}
    if (out / "grades.csv").exists():
        with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
            rows = {(row["student"], row["assignment"]): row for row in csv.DictReader(handle)}
    report = {}
    if (out / "report.json").exists():
        report = {(r["student"], r["assignment"]): r for r in json.loads((out / "report.json").read_text("utf-8"))}
    graded = GradedClass(class_dir, out, completed.stdout + completed.stderr, completed.returncode, rows, report,
                         expectations, combos, before, _hash_tree(SOLUTIONS))
    _CACHE["class"] = graded
    return graded


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory) -> GradedClass:
    return graded_class_once(tmp_path_factory)


def full_marks(name: str) -> float:
    return sum(points_of(name).values())


def expected_score(expectation: Expectation) -> float:
    return full_marks(expectation.assignment) if expectation.score == "full" else float(expectation.score)


# ------------------------------------------------------------------ tests of the whole run

@pytest.mark.grading
def test_grade_command_succeeds(graded_class):
    assert graded_class.returncode == 0, graded_class.stdout[-3000:]
    assert "份提交" in graded_class.stdout
    assert "成绩表：" in graded_class.stdout


@pytest.mark.grading
def test_every_student_in_csv(graded_class):
    students = {student for student, _ in graded_class.rows}
    missing = set(graded_class.expectations) - students
    assert not missing, f"CSV 缺少学生：{sorted(missing)}"


@pytest.mark.grading
def test_csv_columns(graded_class):
    with open(graded_class.out / "grades.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:4] == ["student", "assignment", "score", "max_score"]
    assert header[-2:] == ["status", "reason"]
    for name in assignments():
        for grade_id in points_of(name):
            assert grade_id in header, f"CSV 缺少任务列 {grade_id}"


@pytest.mark.grading
def test_gradebook_matches_csv(graded_class):
    from nbgrader.api import Gradebook

    known = {(s, a): row for (s, a), row in graded_class.rows.items() if a in assignments()}
    with Gradebook(f"sqlite:///{graded_class.out / 'gradebook.db'}", "rnn_course") as gradebook:
        stored = {}
        for name in assignments():
            for submission in gradebook.assignment_submissions(name):
                stored[(submission.student.id, name)] = (submission.score, submission.max_score)
                for notebook in submission.notebooks:
                    assert notebook.grades, f"{submission.student.id}/{name} 没有成绩行"
    assert set(stored) == set(known), "成绩库与 CSV 的提交集合不一致"
    for key, (score, max_score) in stored.items():
        assert abs(score - float(known[key]["score"])) < 1e-9, f"{key} 成绩库 {score} ≠ CSV {known[key]['score']}"
        assert abs(max_score - float(known[key]["max_score"])) < 1e-9, f"{key} 满分不一致"


@pytest.mark.grading
def test_per_task_columns_sum(graded_class):
    for (student, name), row in graded_class.rows.items():
        if name not in assignments():
            continue
        total = sum(float(row[grade_id]) for grade_id in points_of(name))
        assert abs(total - float(row["score"])) < 1e-9, f"{student}/{name} 各任务之和 {total} ≠ 总分 {row['score']}"


@pytest.mark.grading
def test_every_student_has_feedback(graded_class):
    for student, name in graded_class.rows:
        path = graded_class.out / "feedback" / student / name / f"{name}.html"
        assert path.is_file(), f"缺少反馈 {path}"


def _student_code(folder: Path) -> str:
    """Return the student's own code (all cells but test cells), which the feedback may show back."""
    parts = []
    for path in folder.glob("*.ipynb"):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - hostile files need not be notebooks
            continue
        parts += [c.source for c in notebook.cells if not (meta(c).get("grade") and not meta(c).get("solution"))]
    return "\n".join(parts)


@pytest.mark.grading
def test_no_hidden_line_in_feedback(graded_class):
    """No hidden-test line of 12 or more characters appears in feedback text.

    Lines that the release shows anyway, or that the student wrote in their own cells, do not count.
    """
    from html.parser import HTMLParser

    from autograder.feedback import hidden_test_lines, strip_hidden_tests

    hidden: dict[str, set[str]] = {}
    for name in assignments():
        # Lines that the release shows anyway (the source with hidden regions removed) are not secrets.
        visible = "\n".join(strip_hidden_tests(c.source) for c in reference(name).cells)
        hidden[name] = set()
        for cell in reference(name).cells:
            for line in hidden_test_lines(cell.source):
                stripped = line.strip()
                if len(stripped) >= 12 and stripped not in visible:
                    hidden[name].add(stripped)
        assert hidden[name], f"{name} 的参考答案中没有隐藏测试行，无法检验反馈"

    class TextOnly(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts = []

        def handle_data(self, data):
            self.parts.append(data)

    for path in sorted((graded_class.out / "feedback").rglob("*.html")):
        parser = TextOnly()
        parser.feed(path.read_text(encoding="utf-8"))
        text = "".join(parser.parts)
        own_code = _student_code(graded_class.class_dir / path.parent.parent.name / path.parent.name)
        leaked = [line for line in hidden.get(path.parent.name, set()) if line in text and line not in own_code]
        assert not leaked, f"{path} 泄露了隐藏测试：{leaked[:3]}"


@pytest.mark.grading
def test_summary_table_lists_failures(graded_class):
    for student, expectation in graded_class.expectations.items():
        if expectation.status != "ok":
            assert student in graded_class.stdout, f"汇总表中没有 {student}"
