"""Fast unit tests of the autograder's parts that run without a kernel."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import canary, collect, feedback, normalize, table
from autograder.cli import function_of


def _cell(source: str, grade_id: str | None = None, solution=False, grade=False, points=None, cell_type="code"):
    cell = nbformat.v4.new_code_cell(source) if cell_type == "code" else nbformat.v4.new_markdown_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
                                     "schema_version": 3, "task": False}
        if points is not None:
            cell.metadata["nbgrader"]["points"] = points
    return cell


def _release() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[
        _cell("# 作业", "intro", cell_type="markdown"),
        _cell("import math", "setup"),
        _cell("def f(x):\n    raise NotImplementedError()", "f", solution=True),
        _cell("# 试一试\nf(1)"),
        _cell("assert f(1) == 2", "test_f_basic", grade=True, points=1),
        _cell("def g(x):\n    raise NotImplementedError()", "g", solution=True),
        _cell("assert g(1) == 3", "test_g_basic", grade=True, points=2),
    ])


def _student(*cells) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def _sources(nb) -> list[str]:
    return [c.source for c in nb.cells if canary.cell_tag(c.source) is None]


def test_rebuild_takes_only_solution_sources():
    student = _student(_cell("def f(x):\n    return x + 1", "f", solution=True),
                       _cell("assert True", "test_f_basic", grade=True, points=99),
                       _cell("def g(x):\n    return x + 2", "g", solution=True))
    rebuilt = normalize.rebuild(_release(), student, "n" * 32, "a")
    sources = _sources(rebuilt.notebook)
    assert "assert f(1) == 2" in sources
    assert "assert True" not in sources
    assert "def f(x):\n    return x + 1" in sources
    test_cell = next(c for c in rebuilt.notebook.cells if c.source == "assert f(1) == 2")
    assert test_cell.metadata["nbgrader"]["points"] == 1


def test_rebuild_joins_split_cells():
    student = _student(_cell("K = 1", "f", solution=True), _cell("def f(x):\n    return x + K", "f", solution=True))
    rebuilt = normalize.rebuild(_release(), student, "n" * 32, "a")
    assert "K = 1\n\ndef f(x):\n    return x + K" in _sources(rebuilt.notebook)
    assert any("合并" in note for note in rebuilt.notes)


def test_rebuild_places_extra_cells_after_their_solution():
    student = _student(_cell("HELPER = 0"), _cell("def f(x):\n    return x", "f", solution=True),
                       _cell("def helper():\n    return 1"), _cell("def g(x):\n    return x", "g", solution=True))
    sources = _sources(normalize.rebuild(_release(), student, "n" * 32, "a").notebook)
    assert sources.index("HELPER = 0") < sources.index("def f(x):\n    return x")
    assert sources.index("def f(x):\n    return x") < sources.index("def helper():\n    return 1")
    assert sources.index("def helper():\n    return 1") < sources.index("assert f(1) == 2")
    assert "# 试一试\nf(1)" not in sources


def test_rebuild_finds_solution_without_metadata():
    student = _student(_cell("def f(x):\n    return x + 1"), _cell("def g(x):\n    return x + 2", "g", solution=True))
    rebuilt = normalize.rebuild(_release(), student, "n" * 32, "a")
    assert rebuilt.matched == ["f", "g"]


def test_rebuild_missing_solution_keeps_stub():
    student = _student(_cell("def g(x):\n    return x + 2", "g", solution=True))
    rebuilt = normalize.rebuild(_release(), student, "n" * 32, "a")
    assert rebuilt.missing == ["f"]
    assert "def f(x):\n    raise NotImplementedError()" in _sources(rebuilt.notebook)


def test_rebuild_names_wrong_assignment():
    student = _student(_cell("def h(x):\n    return x", "h", solution=True))
    with pytest.raises(normalize.SubmissionError, match="a2"):
        normalize.rebuild(_release(), student, "n" * 32, "a1", {"a1": {"f", "g"}, "a2": {"h"}})


def test_rebuild_adds_canaries_after_tests():
    student = _student(_cell("def f(x):\n    return 2", "f", solution=True))
    rebuilt = normalize.rebuild(_release(), student, "n" * 32, "a")
    tags = [canary.cell_tag(c.source) for c in rebuilt.notebook.cells]
    assert tags[0] == (canary.SNAPSHOT_TAG, None)
    assert rebuilt.canary_count == 3
    assert tags[-1] == (canary.EXPECTED_FAILURE_TAG, None)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "空"), (b"\x00\x01\x02", "二进制"), (b"{bad", "JSON"), (b"[]", "nbformat"), (b"\xff\xfe\xfa", "UTF-8"),
    (b'{"nbformat": 2, "cells": []}', "nbformat=2"),
])
def test_load_submission_rejects(tmp_path, content, reason):
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    with pytest.raises(normalize.SubmissionError, match=reason):
        normalize.load_submission(path)


def test_load_submission_upgrades_v3(tmp_path):
    path = tmp_path / "x.ipynb"
    nb3 = nbformat.convert(_release(), 3)
    path.write_text(nbformat.writes(nb3, version=3), encoding="utf-8")
    notebook, notes = normalize.load_submission(path)
    assert notebook["nbformat"] == 4
    assert any("nbformat 3" in note for note in notes)


def test_strip_hidden_tests():
    source = "assert a\n### BEGIN HIDDEN TESTS\nassert secret_line\n### END HIDDEN TESTS\nassert b"
    stripped = feedback.strip_hidden_tests(source)
    assert "secret_line" not in stripped
    assert "assert a" in stripped
    assert "assert b" in stripped
    assert feedback.hidden_test_lines(source) == ["assert secret_line"]


@pytest.mark.parametrize(("ename", "evalue", "expected"), [
    ("NotImplementedError", "", "尚未实现"),
    ("AssertionError", "x 应为 1，实际得到 2。", "x 应为 1，实际得到 2。"),
    ("AssertionError", "", "断言失败（没有说明）"),
    ("ValueError", "bad\nlast line", "ValueError: last line"),
    ("CellTimeoutError", "", "运行超时，单元格被中断"),
])
def test_error_message(ename, evalue, expected):
    assert feedback.error_message(ename, evalue) == expected


def test_sanitize_feedback_drops_tracebacks_and_hidden():
    nb = nbformat.v4.new_notebook(cells=[_cell("ok\n### BEGIN HIDDEN TESTS\nassert secret()\n### END HIDDEN TESTS",
                                               "test_f", grade=True, points=1),
                                         nbformat.v4.new_code_cell(canary.canary_source("n" * 32, 0))])
    nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="坏了",
                                                  traceback=["assert secret()  # source line"])]
    out, _ = feedback.SanitizeFeedback().preprocess(nb, {})
    assert len(out.cells) == 1
    assert "secret" not in out.cells[0].source
    assert out.cells[0].outputs[0]["traceback"] == ["AssertionError: 坏了"]


def _canary_cell(nonce: str, index: int, text: str):
    cell = nbformat.v4.new_code_cell(canary.canary_source(nonce, index))
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


def _expected_failure(nonce: str, ok: bool = True):
    cell = nbformat.v4.new_code_cell(canary.expected_failure_source(nonce))
    if ok:
        cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="RNNAG-EXPECTED-" + nonce,
                                               traceback=[])]
    return cell


def test_canary_verify_accepts_correct_tokens():
    nonce = canary.new_nonce()
    cells = [_canary_cell(nonce, i, f"RNNAG-CANARY {i} {canary.expected_token(nonce, i)}\n") for i in range(2)]
    assert canary.verify(cells + [_expected_failure(nonce)], nonce, 2) == []


@pytest.mark.parametrize("case", ["wrong_token", "missing", "fail", "no_failure"])
def test_canary_verify_detects(case):
    nonce = canary.new_nonce()
    texts = [f"RNNAG-CANARY {i} {canary.expected_token(nonce, i)}\n" for i in range(2)]
    if case == "wrong_token":
        texts[1] = "RNNAG-CANARY 1 " + "0" * 64
    if case == "fail":
        texts[0] = "RNNAG-CANARY 0 FAIL builtins.isinstance"
    cells = [_canary_cell(nonce, i, text) for i, text in enumerate(texts)]
    if case == "missing":
        cells[1].outputs = []
    cells.append(_expected_failure(nonce, ok=case != "no_failure"))
    assert canary.verify(cells, nonce, 2), f"{case} 没有被发现"


def test_canary_source_compiles():
    compile(canary.snapshot_source("n" * 32), "snapshot", "exec")
    compile(canary.canary_source("n" * 32, 3), "canary", "exec")


def test_function_of():
    assert function_of("test_rnn_forward_basic", ["rnn_forward", "rnn"]) == "rnn_forward"
    assert function_of("test_other", ["rnn_forward"]) == ""


def test_table_aligns_chinese():
    text = table.render(["学生", "分"], [["张三", "1"], ["ab", "10"]])
    from wcwidth import wcswidth

    lines = text.splitlines()
    assert wcswidth(lines[2][: lines[2].index("1")]) == wcswidth(lines[3][: lines[3].index("10")])


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def test_collect_zip_default_regexp(tmp_path):
    archive = tmp_path / "lms.zip"
    archive.write_bytes(_zip({
        "a1_张三_attempt_2026-01-01-10-00-00_a1.ipynb": b"{}",
        "a1_张三_attempt_2026-01-02-10-00-00_a1.ipynb": b"{}",
        "a1_bob_attempt_2026-01-01-10-00-00_a1.ipynb": b"{}",
        "../evil_attempt_1_a1.ipynb": b"{}",
        "readme.txt": b"x",
    }))
    found = collect.collect(archive, ["a1"], tmp_path / "x")
    assert [(s.student, s.assignment) for s in found] == [("bob", "a1"), ("张三", "a1")]
    assert "2026-01-02" in found[1].path.name
    assert not (tmp_path / "evil_attempt_1_a1.ipynb").exists()


def test_collect_folder_reports_problems(tmp_path):
    (tmp_path / "s1" / "a1").mkdir(parents=True)
    (tmp_path / "s1" / "a1" / "a1.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "s1" / "a1" / "data.csv").write_text("1", encoding="utf-8")
    (tmp_path / "s2" / "zz").mkdir(parents=True)
    (tmp_path / "s3" / "a1").mkdir(parents=True)
    found = {s.student: s for s in collect.collect(tmp_path, ["a1"], tmp_path / "x")}
    assert found["s1"].status == "" and any("附加文件" in n for n in found["s1"].notes)
    assert found["s2"].status == "unknown_assignment"
    assert found["s3"].status == "missing_notebook"


def test_collect_rejects_other_input(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(collect.CollectError):
        collect.collect(path, ["a1"], tmp_path / "x")


def test_sandbox_spec_masks_repository():
    from autograder import settings

    masked = settings.default_masked_paths(["/somewhere/out"])
    for name in ("solutions", "tests", "autograder", ".git"):
        assert str((settings.REPO_ROOT / name).resolve()) in masked
    assert "/somewhere/out" in masked


def test_nbgrader_config_values():
    from autograder import settings

    config = settings.nbgrader_config(Path("/tmp/course"))
    assert config.Execute.timeout == settings.CELL_TIMEOUT_SECONDS
    assert config.ExecutePreprocessor.timeout == settings.CELL_TIMEOUT_SECONDS
    assert config.Execute.interrupt_on_timeout is True
    assert config.ClearSolutions.code_stub == {"python": "# 在此处编写你的代码\nraise NotImplementedError()"}
    assert config.CourseDirectory.source_directory == str(settings.SOLUTIONS_DIR)
    assert config.CourseDirectory.release_directory == str(settings.EXERCISES_DIR)
