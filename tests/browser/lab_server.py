"""Start and stop a JupyterLab server for the browser tests.

The server runs from the Python environment that runs pytest (the project's .venv), so it reads the
same settings overrides that ``dev.py`` writes to ``<venv>/share/jupyter/lab/settings/overrides.json``.
Everything user-specific (Jupyter config, data, runtime files, user settings, workspaces, IPython
profile) points at a temporary directory, so a learner's own ~/.jupyter can neither change the result
nor be written to.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

# Seconds to wait for /api/status to respond. A cold start on 2 cores took 3 s idle and 6-11 s under load.
STARTUP_TIMEOUT_S = 90
# Seconds the server gets to shut its kernels down after SIGTERM before it is killed.
SHUTDOWN_TIMEOUT_S = 20
LOG_TAIL_CHARS = 4000


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago (the server gets port_retries=0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_overrides_path() -> Path:
    """Return the overrides.json that JupyterLab in this environment reads (the file dev.py writes)."""
    return Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


@dataclass
class LabServer:
    """A running JupyterLab server on 127.0.0.1 with token authentication."""

    process: subprocess.Popen
    base_url: str
    token: str
    root_dir: Path
    state_dir: Path
    log_path: Path
    _log_file: Any = field(repr=False, default=None)

    def notebook_url(self, notebook_path: str, workspace: str) -> str:
        """Return the URL that opens notebook_path in a fresh workspace (no tabs restored from earlier pages)."""
        quoted = urllib.parse.quote(notebook_path)
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{quoted}?reset&token={self.token}"

    def lab_url(self, workspace: str) -> str:
        return f"{self.base_url}/lab/workspaces/{workspace}?reset&token={self.token}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        """Call the server's REST API with the token; return the decoded JSON body (None when empty)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def read_notebook(self, notebook_path: str) -> dict[str, Any]:
        """Return the notebook JSON as stored on the server (the temporary copy)."""
        quoted = urllib.parse.quote(notebook_path)
        return self.api("GET", f"/api/contents/{quoted}?content=1&type=notebook")["content"]

    def shutdown_kernels(self) -> None:
        """Stop every kernel and session so the next test starts from a quiet server."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def log_tail(self) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return text[-LOG_TAIL_CHARS:]

    def stop(self) -> None:
        """Stop the server, its kernels and every other process it started; leave nothing running."""
        try:
            descendants = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            descendants = []
        if self.process.poll() is None:
            try:
                self.shutdown_kernels()
            except (OSError, urllib.error.URLError, ValueError):
                pass  # The server is going away anyway; SIGTERM below also stops its kernels.
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        # Kernels run in their own sessions (jupyter_client uses start_new_session), so the process
        # group signal does not reach one that the server failed to stop.
        _, alive = psutil.wait_procs(descendants, timeout=5)
        for leftover in alive:
            leftover.kill()
        psutil.wait_procs(alive, timeout=5)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signum)
        else:
            process.terminate()
    except ProcessLookupError:
        pass


def isolated_environment(state_dir: Path) -> dict[str, str]:
    """Return os.environ with every per-user Jupyter location moved into state_dir."""
    env = dict(os.environ)
    locations = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }
    for variable, name in locations.items():
        directory = state_dir / name
        directory.mkdir(parents=True, exist_ok=True)
        env[variable] = str(directory)
    # JUPYTERLAB_DIR would move the application directory, and with it the overrides.json dev.py writes.
    env.pop("JUPYTERLAB_DIR", None)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONUTF8", "1")
    return env


def write_user_setting(state_dir: Path, plugin_id: str, values: dict[str, Any]) -> None:
    """Write one plugin's user settings into the isolated JUPYTERLAB_SETTINGS_DIR."""
    package, plugin = plugin_id.split(":")
    path = state_dir / "user-settings" / package / f"{plugin}.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values), encoding="utf-8")


@contextmanager
def lab_extensions_disabled(server: LabServer, extensions: Iterable[str]) -> Iterator[None]:
    """Disable JupyterLab extensions for pages loaded inside the block, then enable them again.

    This writes the user-level page_config.json that ``jupyter labextension disable --level=user`` writes,
    in the server's isolated JUPYTER_CONFIG_DIR. jupyterlab_server reads it on every /lab request, so the
    server needs no restart.
    """
    page_config = server.state_dir / "config" / "labconfig" / "page_config.json"
    if page_config.exists():
        raise RuntimeError(f"{page_config} already exists; another test left extensions disabled")
    page_config.parent.mkdir(parents=True, exist_ok=True)
    page_config.write_text(json.dumps({"disabledExtensions": {name: True for name in extensions}}), encoding="utf-8")
    try:
        yield
    finally:
        page_config.unlink()


def start_lab_server(root_dir: Path, state_dir: Path) -> LabServer:
    """Start ``jupyter lab`` on a free port of 127.0.0.1 and wait until /api/status responds."""
    env = isolated_environment(state_dir)
    # JupyterLab would otherwise prompt for permission to fetch news from the internet, but the course runs offline.
    write_user_setting(state_dir, "@jupyterlab/apputils-extension:notification", {"fetchNews": "false"})

    port = find_free_port()
    token = secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")

    log_path = state_dir / "jupyterlab.log"
    log_file = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in LabServer.stop()
    process = subprocess.Popen(
        command, cwd=root_dir, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=(os.name == "posix"),
    )
    server = LabServer(process=process, base_url=f"http://127.0.0.1:{port}", token=token, root_dir=root_dir,
                       state_dir=state_dir, log_path=log_path, _log_file=log_file)

    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: LabServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {server.process.returncode} before /api/status responded.\n"
                f"Log ({server.log_path}):\n{server.log_tail()}"
            )
        try:
            status = server.api("GET", "/api/status", timeout=2)
            if "started" in status:
                return
        except (OSError, urllib.error.URLError, ValueError) as error:
            last_error = error
        time.sleep(0.2)
    raise TimeoutError(
        f"Timed out after {STARTUP_TIMEOUT_S} s waiting for {server.base_url}/api/status to respond "
        f"(last error: {last_error}).\nLog ({server.log_path}):\n{server.log_tail()}"
    )
