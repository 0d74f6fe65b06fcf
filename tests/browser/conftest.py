"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per session.

The server serves a temporary copy of chapters/ and exercises/, so autosave never writes into the
repository. Screenshots go to artifacts/browser/ (ignored by git).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lab_server import LabServer, start_lab_server
from playwright.sync_api import BrowserContext, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "artifacts" / "browser"
COURSE_DIRS = ("chapters", "exercises")

CHROMIUM_PATH = Path("/usr/bin/chromium")
# Headless, no sandbox (containers run as root), and no background traffic to Google services.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# Wide enough for JupyterLab's sidebar plus a 520 px slider and an 8-inch figure at 80 dpi.
VIEWPORT = {"width": 1440, "height": 1000}


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    """Return the system Chromium; skip (outside CI) or fail (CI set) when it is not installed."""
    if CHROMIUM_PATH.is_file() and os.access(CHROMIUM_PATH, os.X_OK):
        return CHROMIUM_PATH
    message = (
        f"未找到 Chromium（{CHROMIUM_PATH}），浏览器测试需要它。安装方法：sudo apt-get install chromium "
        f"(Chromium not found at {CHROMIUM_PATH}; install it with `apt-get install chromium`)"
    )
    if running_in_ci():
        pytest.fail(message + "。CI 环境变量已设置，因此缺少浏览器算作失败 (CI is set: failing, not skipping)",
                    pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Return artifacts/browser/, emptied of screenshots from an earlier run.

    Under pytest-xdist the old screenshots stay, because a worker could delete what another one just saved.
    """
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    if "PYTEST_XDIST_WORKER" not in os.environ:
        for old in ARTIFACTS_DIR.glob("*.png"):
            old.unlink()
    return ARTIFACTS_DIR


@pytest.fixture(scope="session")
def screenshot(artifacts_dir: Path) -> Callable[[Page, str], Path]:
    """Return a function that saves a full-page screenshot as artifacts/browser/<name>.png."""

    def save(page: Page, name: str) -> Path:
        path = artifacts_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a temporary directory holding copies of chapters/ and exercises/."""
    root = tmp_path_factory.mktemp("lab-root")
    for name in COURSE_DIRS:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return root


@pytest.fixture(scope="session")
def lab_server(chromium_executable: Path, course_copy: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """Start JupyterLab on the course copy for the whole session; stop it and its kernels afterwards."""
    server = start_lab_server(course_copy, tmp_path_factory.mktemp("lab-state"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser_context(chromium_executable: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Launch headless Chromium once per session with a fresh profile directory.

    The browser locale is English on purpose: the Chinese interface must come from JupyterLab's
    settings overrides, not from the browser's language.
    """
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(chromium_executable),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
            locale="en-US",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def lab_page(browser_context: BrowserContext, lab_server: LabServer) -> Iterator[Page]:
    """Return a new browser tab; close it and stop the server's kernels after the test."""
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()
        lab_server.shutdown_kernels()
