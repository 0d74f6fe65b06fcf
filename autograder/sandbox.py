"""Kernel sandbox launcher: ``python -m autograder.sandbox -- <kernel argv>``, started by
autograder.kernel_manager.SandboxKernelManager in place of ipykernel. It imports only the standard
library and autograder.settings, because it runs once per kernel. The launcher

* sets resource limits: address space, CPU time, file size, processes, no core dumps;
* starts the kernel in an empty scratch directory with HOME and TMPDIR pointing into it;
* when it runs as root: enters private mount and PID namespaces (``unshare``) and mounts a private
  tmpfs over /tmp and root's home, with the repository and Python bound back. It then puts empty
  read-only tmpfs mounts over the references, tests, grader code, ``.git``, the chapter analysis
  code and the grading workspaces, and drops privileges to ``nobody`` before exec'ing ipykernel.

Without root only the limits and the scratch directory apply, so the student's code can still read
files that the current user can read (a learner's self-check, or a non-root instructor).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import json
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import settings

CLONE_FLAGS_UNSHARE = ["--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "--propagation", "private"]
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REC = 16384
PR_SET_PDEATHSIG = 1
INNER_SCRATCH = "/tmp/kernel"
# Environment variables the kernel inherits from the grader; everything else is dropped.
PASSED_ENV = ("PATH", "VIRTUAL_ENV", "JPY_PARENT_PID", "JPY_SESSION_NAME", "TERM")


@functools.lru_cache(maxsize=1)
def sandbox_is_privileged() -> bool:
    """Return True when the launcher can isolate files: root, and ``unshare`` works here.

    A container without CAP_SYS_ADMIN (for example Docker's default seccomp profile) runs as root but
    cannot create namespaces, so the tool is tried once instead of trusting the user id.
    """
    unshare = shutil.which("unshare")
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or unshare is None:
        return False
    try:
        pwd.getpwnam(settings.UNPRIVILEGED_USER)
    except KeyError:
        return False
    try:
        probe = subprocess.run([unshare, *CLONE_FLAGS_UNSHARE, "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0 and _unprivileged_user_can_start_kernel(unshare)


def _unprivileged_user_can_start_kernel(unshare: str) -> bool:
    """Return True when a kernel sandboxed as the unprivileged user can import what it needs.

    The probe goes through the real launcher (namespaces, mounts, privilege drop), so a repository or
    Python that the unprivileged user cannot reach makes the grader fall back to limits only instead
    of crashing every kernel.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as connection:
        connection.write("{}")
        connection.flush()
        imports = "import ipykernel.kernelapp, numpy, torch, rnn_course.checks"
        command = [sys.executable, "-c", imports, "-f", connection.name]
        try:
            probe = subprocess.run([unshare, *CLONE_FLAGS_UNSHARE, *launcher_command("--inner", "--", *command)],
                                   capture_output=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return probe.returncode == 0


def _covered_folders() -> list[tuple[str, str]]:
    """Return the folders that get a private tmpfs in the sandbox, with its mount options: /tmp, and
    root's home, whose files (keys, caches, other clones) the student's code has no business reading."""
    folders = [("/tmp", f"size={settings.SCRATCH_TMPFS_SIZE},mode=1777")]
    home = os.path.realpath(pwd.getpwuid(0).pw_dir or "/")
    if home not in ("/", "/tmp") and os.path.isdir(home):
        folders.append((home, "size=1m,mode=0755"))
    return folders


def _paths_to_keep(folder: str) -> list[str]:
    """Return the outermost of the repository and the Python prefixes that lie under folder.

    They are bound back into the private tmpfs that covers folder, or the kernel could not start.
    """
    candidates = sorted({os.path.realpath(path) for path in (settings.REPO_ROOT, sys.prefix, sys.base_prefix)})
    kept: list[str] = []
    for path in candidates:
        if path.startswith(folder + "/") and not any(path.startswith(outer + "/") for outer in kept):
            kept.append(path)
    return kept


def _load_spec() -> settings.SandboxSpec:
    spec_path = os.environ.get(settings.SANDBOX_SPEC_ENV)
    if not spec_path:
        return settings.SandboxSpec(masked_paths=settings.default_masked_paths())
    data = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    return settings.SandboxSpec(**data)


def _set_limits(spec: settings.SandboxSpec, process_limit: int | None) -> None:
    limits = [
        (resource.RLIMIT_AS, spec.memory_bytes),
        (resource.RLIMIT_CPU, spec.cpu_seconds),
        (resource.RLIMIT_FSIZE, spec.file_size_bytes),
        (resource.RLIMIT_CORE, 0),
    ]
    if process_limit is not None:
        limits.append((resource.RLIMIT_NPROC, process_limit))
    for kind, value in limits:
        _soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))


def _count_own_tasks() -> int:
    """Count the threads of the current user, which RLIMIT_NPROC limits together with processes."""
    uid = os.getuid()
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                total += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:
            continue
    return total


def _kernel_env(scratch: Path, keep_parent_pid: bool) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    if not keep_parent_pid:
        env.pop("JPY_PARENT_PID", None)
    env.update(settings.KERNEL_ENV)
    env["HOME"] = str(scratch)
    env["TMPDIR"] = str(scratch)
    env["IPYTHONDIR"] = str(scratch / ".ipython")
    env["MPLCONFIGDIR"] = str(scratch / ".matplotlib")
    env["JUPYTER_CONFIG_DIR"] = str(scratch / ".jupyter")
    env["JUPYTER_DATA_DIR"] = str(scratch / ".jupyter-data")
    env["JUPYTER_RUNTIME_DIR"] = str(scratch / ".jupyter-runtime")
    return env


def _connection_file_index(command: list[str]) -> int:
    for index, argument in enumerate(command[:-1]):
        if argument == "-f":
            return index + 1
    raise SystemExit("内核启动命令缺少连接文件参数 -f。")


def _silence_console() -> None:
    """Send the kernel process's own stdout/stderr (start-up banner) to /dev/null; cell output uses ZMQ."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _record_pid(spec: settings.SandboxSpec) -> None:
    if spec.pid_file:
        with open(spec.pid_file, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _mount(libc: ctypes.CDLL, source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    result = libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                        data.encode() if data else None)
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target} 失败：{os.strerror(error)}")


def _mask(libc: ctypes.CDLL, path: str) -> None:
    """Hide path: an empty read-only tmpfs over a directory, /dev/null bound over a file."""
    if os.path.isdir(path):
        _mount(libc, "tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    elif os.path.exists(path):
        _mount(libc, "/dev/null", path, None, MS_BIND)


def run_privileged_inner(command: list[str]) -> None:
    """Inside fresh mount and PID namespaces as root: hide files, drop to nobody, exec the kernel."""
    spec = _load_spec()
    index = _connection_file_index(command)
    connection = Path(command[index]).read_bytes()
    libc = _libc()

    flags = MS_NOSUID | MS_NODEV
    # Paths under /tmp or root's home that the kernel needs are parked in a private tmpfs on
    # /dev/shm, the covering tmpfs mounts are made, and the parked paths are bound back at their old
    # paths. /dev/shm itself is replaced below.
    covered = _covered_folders()
    parked: list[tuple[str, str]] = []
    _mount(libc, "tmpfs", "/dev/shm", "tmpfs", flags, "size=1m,mode=0700")
    for folder, _options in covered:
        for path in _paths_to_keep(folder):
            hold = f"/dev/shm/keep{len(parked)}"
            os.mkdir(hold)
            _mount(libc, path, hold, None, MS_BIND | MS_REC)
            parked.append((hold, path))
    for folder, options in covered:
        _mount(libc, "tmpfs", folder, "tmpfs", flags, options)
    for hold, path in parked:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(libc, hold, path, None, MS_BIND | MS_REC)
    for shared_tmp in ("/dev/shm", "/var/tmp"):
        if os.path.isdir(shared_tmp):
            _mount(libc, "tmpfs", shared_tmp, "tmpfs", flags, "size=16m,mode=1777")
    # Masked paths in covered folders outside the parked paths no longer exist, so _mask skips them.
    for path in spec.masked_paths:
        _mask(libc, path)

    user = pwd.getpwnam(settings.UNPRIVILEGED_USER)
    scratch = Path(INNER_SCRATCH)
    scratch.mkdir(mode=0o700)
    connection_copy = scratch / ".kernel-connection.json"
    connection_copy.write_bytes(connection)
    for path in (scratch, connection_copy):
        os.chown(path, user.pw_uid, user.pw_gid)
    connection_copy.chmod(0o600)
    command = list(command)
    command[index] = str(connection_copy)

    env = _kernel_env(scratch, keep_parent_pid=False)
    _set_limits(spec, spec.process_limit)
    os.chdir(scratch)
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    # The parent-death signal is cleared by the credential change, so it is set again here.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _silence_console()
    os.execve(command[0], command, env)


def run_unprivileged(command: list[str]) -> None:
    """Apply the limits, move into a scratch directory and exec the kernel (no file isolation)."""
    spec = _load_spec()
    base = Path(spec.workspace) if spec.workspace else None
    if base is not None and base.is_dir():
        scratch = Path(tempfile.mkdtemp(prefix="kernel-", dir=base))
    else:
        scratch = Path(tempfile.mkdtemp(prefix="rnn-autograder-kernel-"))
    env = _kernel_env(scratch, keep_parent_pid=True)
    _set_limits(spec, _count_own_tasks() + spec.process_limit)
    os.chdir(scratch)
    _silence_console()
    os.execve(command[0], command, env)


def launcher_command(*arguments: str) -> list[str]:
    """Return the command that runs this launcher, importable whatever the working directory is."""
    bootstrap = (f"import sys; sys.path.insert(0, {str(settings.REPO_ROOT)!r}); "
                 "from autograder.sandbox import main; main(sys.argv[1:])")
    return [sys.executable, "-c", bootstrap, *arguments]


def main(argv: list[str]) -> None:
    inner = bool(argv) and argv[0] == "--inner"
    if inner:
        argv = argv[1:]
    if not argv or argv[0] != "--":
        raise SystemExit("用法：python -m autograder.sandbox [--inner] -- <内核命令>")
    command = argv[1:]
    if inner:
        run_privileged_inner(command)
        return
    spec = _load_spec()
    _record_pid(spec)
    privileged = spec.privileged if spec.privileged is not None else sandbox_is_privileged()
    if privileged:
        unshare = shutil.which("unshare")
        os.execv(unshare, [unshare, *CLONE_FLAGS_UNSHARE, *launcher_command("--inner", "--", *command)])
    run_unprivileged(command)


if __name__ == "__main__":
    main(sys.argv[1:])
