"""The exercises through the real nbgrader pipeline: references, blanks, wrong answers and correct variants.

All notebooks are graded in the shared class (one CLI call, see test_autograder_classroom.py). Variant k of
every function sits in one notebook ("wrong<k>-<assignment>"), because a wrong answer must only cost points
on its own function's test cells (those whose grade_id starts with test_<function>).
"""

from __future__ import annotations

import pytest
from test_autograder_classroom import assignments, full_marks, graded_class, load_cases, points_of

__all__ = ["graded_class"]


def _row(graded_class, student: str, name: str) -> dict:
    row = graded_class.rows.get((student, name))
    assert row is not None, f"CSV 中没有 {student}/{name}\n{graded_class.stdout[-2000:]}"
    return row


@pytest.mark.grading
@pytest.mark.parametrize("name", assignments())
def test_reference_full_marks(graded_class, name):
    row = _row(graded_class, f"ref-{name}", name)
    assert row["status"] == "ok", row["reason"]
    failing = [gid for gid, points in points_of(name).items() if float(row[gid]) != points]
    assert not failing, f"参考答案没有通过：{failing}（{graded_class.report[(f'ref-{name}', name)]['messages']}）"
    assert float(row["score"]) == full_marks(name)


@pytest.mark.grading
@pytest.mark.parametrize("name", assignments())
def test_blank_scores_zero(graded_class, name):
    row = _row(graded_class, f"blank-{name}", name)
    assert row["status"] == "ok", f"空白练习评分时出错：{row['reason']}"
    passing = [gid for gid in points_of(name) if float(row[gid]) != 0.0]
    assert not passing, f"空白练习通过了：{passing}"
    messages = graded_class.report[(f"blank-{name}", name)]["messages"]
    assert all("尚未实现" in message for message in messages.values()), messages


def _variant_cases() -> list[tuple[str, str, str, int]]:
    cases = []
    for name in assignments():
        wrong, correct = load_cases(name)
        for kind, table in (("wrong", wrong), ("correct", correct)):
            for function, variants in table.items():
                for k, label in enumerate(sorted(variants)):
                    cases.append((name, kind, function, k, label))
    return cases


@pytest.mark.grading
@pytest.mark.parametrize(("name", "kind", "function", "k", "label"), _variant_cases(),
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[4]}" for c in _variant_cases()])
def test_variant(graded_class, name, kind, function, k, label):
    student = f"{kind}{k}-{name}"
    row = _row(graded_class, student, name)
    assert row["status"] == "ok", row["reason"]
    own = {gid: points for gid, points in points_of(name).items() if gid.startswith(f"test_{function}")}
    assert own, f"{name} 中没有以 test_{function} 开头的测试单元格"
    messages = graded_class.report[(student, name)]["messages"]
    if kind == "wrong":
        lost = [gid for gid, points in own.items() if float(row[gid]) < points]
        assert lost, f"错误答案 {function}/{label} 没有在自己的测试中丢分"
    else:
        failing = [gid for gid, points in own.items() if float(row[gid]) < points]
        assert not failing, f"正确变体 {function}/{label} 没有通过 {failing}：{[messages.get(g) for g in failing]}"


@pytest.mark.grading
@pytest.mark.parametrize("name", assignments())
def test_variants_do_not_break_other_functions(graded_class, name):
    """A notebook holding variant k of some functions keeps full marks on the untouched functions' tests."""
    for student, combo in graded_class.combos.items():
        if combo["assignment"] != name:
            continue
        row = _row(graded_class, student, name)
        for gid, points in points_of(name).items():
            touched = any(gid.startswith(f"test_{function}") for function in combo["functions"])
            if not touched:
                assert float(row[gid]) == points, f"{student}：未改动的 {gid} 丢分（{row['reason']}）"
