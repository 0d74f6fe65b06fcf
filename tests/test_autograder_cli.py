"""The real CLI on small inputs: learner self-check, errors, and a class graded from a folder and from an
LMS zip with --jobs 1 and --jobs 2 into the same gradebook (same grades, no lost rows)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "a2_gradients_memory"
REFERENCE = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
BLANK = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def run_cli(*arguments: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "autograder", *arguments], cwd=REPO, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout)


def test_check_missing_file_message():
    completed = run_cli("check", "no/such/notebook.ipynb")
    assert completed.returncode == 2
    assert "找不到笔记本" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


def test_grade_missing_path_message():
    completed = run_cli("grade", "no/such/folder")
    assert completed.returncode == 2
    assert "找不到" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


@pytest.mark.grading
def test_check_reference_full_marks(tmp_path):
    target = tmp_path / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    target.parent.mkdir()
    target.write_bytes(REFERENCE.read_bytes())
    completed = run_cli("check", str(target))
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "全部通过" in completed.stdout
    import json

    cells = json.loads(BLANK.read_text(encoding="utf-8"))["cells"]
    maximum = sum(c["metadata"]["nbgrader"]["points"] for c in cells
                  if c["metadata"].get("nbgrader", {}).get("grade") and not c["metadata"]["nbgrader"].get("solution"))
    assert f"总分：{maximum:g} / {maximum:g}" in completed.stdout


@pytest.mark.grading
def test_check_blank_reports_not_implemented():
    completed = run_cli("check", str(BLANK))
    assert completed.returncode == 1
    assert "尚未实现" in completed.stdout
    assert "未通过" in completed.stdout
    assert "BEGIN HIDDEN TESTS" not in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


@pytest.mark.grading
def test_check_broken_json(tmp_path):
    target = tmp_path / f"{ASSIGNMENT}.ipynb"
    target.write_text("{ 这不是 JSON", encoding="utf-8")
    completed = run_cli("check", str(target))
    assert completed.returncode == 1
    assert "不是有效的 JSON" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.grading
def test_folder_jobs1_and_zip_jobs2_agree(tmp_path):
    students = {"王五": REFERENCE, "blank": BLANK, "赵六": BLANK}
    folder = tmp_path / "class"
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for student, source in students.items():
            data = source.read_bytes()
            target = folder / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            target.parent.mkdir(parents=True)
            target.write_bytes(data)
            bundle.writestr(f"{ASSIGNMENT}_{student}_attempt_2026-12-01-10-00-00_{ASSIGNMENT}.ipynb", data)
    out = tmp_path / "out"
    first = run_cli("grade", str(folder), "--out", str(out), "--jobs", "1")
    assert first.returncode == 0, first.stdout[-3000:]
    rows_first = _read_csv(out / "grades.csv")
    second = run_cli("grade", str(archive), "--out", str(out), "--jobs", "2")
    assert second.returncode == 0, second.stdout[-3000:]
    rows_second = _read_csv(out / "grades.csv")
    assert rows_first == rows_second, "--jobs 1（文件夹）与 --jobs 2（zip）的成绩表不同"
    assert len(rows_first) == 1 + len(students)
    scores = {row[0]: float(row[2]) for row in rows_first[1:]}
    maxima = {row[0]: float(row[3]) for row in rows_first[1:]}
    assert scores["王五"] == maxima["王五"] > 0
    assert scores["blank"] == 0.0
    assert scores["赵六"] == 0.0


@pytest.mark.grading
def test_check_as_unprivileged_learner():
    """As root, run the self-check as nobody: limits and scratch folder only, no namespaces needed."""
    import shutil
    import tempfile

    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("需要以 root 运行并有 setpriv，才能切换到无特权用户")
    home = Path(tempfile.mkdtemp(prefix="learner-home-"))
    try:
        home.chmod(0o777)
        target = home / f"{ASSIGNMENT}.ipynb"
        target.write_bytes(BLANK.read_bytes())
        target.chmod(0o644)
        env = dict(os.environ, PYTHONIOENCODING="utf-8", HOME=str(home), TMPDIR=str(home))
        completed = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "autograder",
             "check", str(target)], cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=900)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "非 root" in completed.stdout
    assert "尚未实现" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
