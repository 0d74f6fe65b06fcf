"""Set up the course environment and run it: ``python3 dev.py lab`` or ``python3 dev.py test``.

Only the standard library is used here, because this script runs before anything is installed.
The virtual environment lives in ``.venv``; a second run reuses it unless requirements.txt or
pyproject.toml changed since the last install.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"
INSTALL_INPUTS = ("requirements.txt", "pyproject.toml")
FIRST_CHAPTER = "chapters/01_principles.ipynb"
MIN_PYTHON = (3, 11)

# JupyterLab reads these defaults at start-up; the zh-CN language pack ships with requirements.txt.
# A learner switches back to English in the menu 设置 → 语言 → English.
LAB_SETTINGS_OVERRIDES = {
    "@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"},
    # The course runs offline, so JupyterLab should not ask to fetch news from the internet.
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}


def say(message: str) -> None:
    print(f"[dev.py] {message}", flush=True)


def install_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create .venv and install the pinned requirements, unless the last install is current."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"需要 Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} 或更新版本，当前是 {sys.version.split()[0]}。")
    fingerprint = install_fingerprint()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        say("环境已是最新，跳过安装（.venv）。")
    else:
        if not PYTHON.exists():
            say("创建虚拟环境 .venv …")
            venv.EnvBuilder(with_pip=True).create(VENV)
        say("安装固定版本的依赖（首次约需数分钟）…")
        pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check"]
        run(pip + ["-r", str(ROOT / "requirements.txt")])
        run(pip + ["--no-deps", "--no-build-isolation", "-e", str(ROOT)])
        STAMP.write_text(fingerprint + "\n")
    write_lab_settings()


def write_lab_settings() -> None:
    overrides = VENV / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps(LAB_SETTINGS_OVERRIDES, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def venv_environ() -> dict[str, str]:
    """Return os.environ with the venv first on PATH, since nbgrader shells out to alembic."""
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env.setdefault("PYTHONUTF8", "1")
    env.pop("PYTHONHOME", None)
    return env


def run(command: list[str], check: bool = True) -> int:
    completed = subprocess.run(command, cwd=ROOT, env=venv_environ())
    if check and completed.returncode != 0:
        sys.exit(completed.returncode)
    return completed.returncode


def command_lab(extra: list[str]) -> int:
    # Serving from the repository root lets the chapter's links reach exercises/; the default URL
    # opens the first chapter, also when the printed URL is used with --no-browser.
    command = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}",
               f"--LabApp.default_url=/lab/tree/{FIRST_CHAPTER}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    say("启动 JupyterLab：" + " ".join(command[1:]))
    return run(command + extra, check=False)


def command_test(extra: list[str]) -> int:
    say("ruff 检查 …")
    lint_status = run([str(BIN / "ruff"), "check", "."], check=False)
    say("pytest：单元测试、nbval 执行章节、nbgrader 流水线、浏览器测试 …")
    test_status = run([str(PYTHON), "-m", "pytest", *extra], check=False)
    return lint_status or test_status


def main() -> int:
    parser = argparse.ArgumentParser(description="RNN 架构模式课程：准备环境并打开 JupyterLab 或运行全部测试。")
    parser.add_argument("command", choices=["lab", "test", "setup"],
                        help="lab：打开课程；test：运行全部测试；setup：只准备环境")
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="传给 jupyter lab 或 pytest 的其余参数")
    args = parser.parse_args()
    ensure_environment()
    if args.command == "lab":
        return command_lab(args.extra)
    if args.command == "test":
        return command_test(args.extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
