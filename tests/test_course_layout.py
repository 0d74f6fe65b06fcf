"""Repository contracts: the two commands, CI entry point, environment reuse, chapter sources."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAB_COMMAND = "python3 dev.py lab"
TEST_COMMAND = "python3 dev.py test"


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_readme_prints_both_commands_first(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert first_block, f"{readme} has no code block"
    assert LAB_COMMAND in first_block.group(1)
    assert TEST_COMMAND in first_block.group(1)


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == f"exec {TEST_COMMAND}"


def test_second_setup_reuses_environment(tmp_path, monkeypatch):
    dev = load_module("dev_under_test", ROOT / "dev.py")
    venv = tmp_path / ".venv"
    python = venv / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    monkeypatch.setattr(dev, "VENV", venv)
    monkeypatch.setattr(dev, "PYTHON", python)
    monkeypatch.setattr(dev, "STAMP", venv / ".installed-from")
    installs = []
    monkeypatch.setattr(dev, "run", lambda command, check=True: installs.append(command) or 0)

    dev.STAMP.write_text(dev.install_fingerprint() + "\n")
    dev.ensure_environment()
    assert installs == [], "an up-to-date environment was reinstalled"

    dev.STAMP.write_text("stale\n")
    dev.ensure_environment()
    assert any("-r" in command for command in installs), "a changed requirements file did not reinstall"
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert '"locale": "zh_CN"' in overrides.read_text(encoding="utf-8")


def test_chapters_match_their_sources():
    build = load_module("build_chapters_under_test", ROOT / "tools" / "build_chapters.py")
    problems = [problem for name in build.chapter_names() for problem in build.check(name)]
    assert not problems, "\n".join(problems)
