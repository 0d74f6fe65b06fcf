"""exercises/ is exactly what nbgrader generate_assignment makes from solutions/, and every link resolves."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest

from autograder import course
from autograder.cli import LEAK_MARKERS, find_marker_leaks

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_DIRS = ("chapters", "solutions", "exercises")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=\"([^\"]+)\"")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release")
    course.generate(REPO / "solutions", root / "release", root, None)
    return root / "release"


@pytest.mark.grading
def test_exercises_match_generated_release(regenerated):
    expected, actual = _files(regenerated), _files(REPO / "exercises")
    assert sorted(actual) == sorted(expected), (
        "exercises/ 的文件集合与 nbgrader 生成的不同；运行 python -m autograder release")
    differing = [name for name in expected if expected[name] != actual[name]]
    assert not differing, f"exercises/ 与 nbgrader 生成结果不同：{differing}；运行 python -m autograder release"


@pytest.mark.grading
def test_generation_is_byte_stable(regenerated, tmp_path):
    course.generate(REPO / "solutions", tmp_path / "release", tmp_path, None)
    assert _files(tmp_path / "release") == _files(regenerated), "两次生成的结果不同（时间戳或随机 id）"


def test_no_markers_in_exercises():
    assert not find_marker_leaks(REPO / "exercises")


def test_marker_leak_detected(tmp_path):
    leaky = tmp_path / "x" / "x.ipynb"
    leaky.parent.mkdir()
    leaky.write_text(json.dumps({"cells": [{"source": LEAK_MARKERS[2]}]}), encoding="utf-8")
    assert find_marker_leaks(tmp_path), "检查没有发现泄露的标记"


def test_every_assignment_released():
    names = course.discover_assignments(REPO / "solutions")
    for name in names:
        assert (REPO / "exercises" / name / f"{name}.ipynb").is_file(), f"exercises/ 缺少 {name}"


def _slug(heading: str) -> str:
    text = re.sub(r"<[^>]+>", "", heading).strip()
    return text.replace(" ", "-")


def _anchors(notebook: Path) -> set[str]:
    anchors: set[str] = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "markdown":
            continue
        anchors |= set(re.findall(r"<a\s+(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", source))
        anchors |= set(re.findall(r"\bid\s*=\s*[\"']([^\"']+)[\"']", source))
        for line in source.splitlines():
            match = re.match(r"#{1,6}\s+(.*)", line)
            if match:
                anchors.add(_slug(match.group(1)))
    return anchors


def _links() -> list[tuple[Path, str]]:
    links = []
    for folder in NOTEBOOK_DIRS:
        for notebook in sorted((REPO / folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" in notebook.parts:
                continue
            for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
                if cell["cell_type"] != "markdown":
                    continue
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                for match in LINK.finditer(source):
                    target = match.group(1) or match.group(2)
                    scheme = urllib.parse.urlparse(target).scheme
                    if scheme or target.startswith(("mailto:", "data:")):
                        continue
                    links.append((notebook, target))
    return links


def test_relative_links_resolve():
    broken = []
    for notebook, target in _links():
        path_part, _, anchor = target.partition("#")
        destination = (notebook.parent / urllib.parse.unquote(path_part)).resolve() if path_part else notebook
        if not destination.exists():
            broken.append(f"{notebook.relative_to(REPO)} → {target}（文件不存在）")
            continue
        if anchor and destination.suffix == ".ipynb" and urllib.parse.unquote(anchor) not in _anchors(destination):
            broken.append(f"{notebook.relative_to(REPO)} → {target}（锚点不存在）")
    assert not broken, "失效的相对链接：\n" + "\n".join(broken)


def test_link_checker_finds_broken_link(tmp_path):
    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": "## 标题 一"}]}), encoding="utf-8")
    assert "标题-一" in _anchors(notebook)
    assert "不存在" not in _anchors(notebook)
