"""Paths, limits and the nbgrader configuration shared by every autograder command.

The nbgrader source is ``solutions/`` and the release is ``exercises/`` (both absolute paths
below the repository root); the course root that holds ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db`` is a separate workspace, by default ``grading/course``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from traitlets.config import Config

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPO_ROOT / "solutions"
EXERCISES_DIR = REPO_ROOT / "exercises"
DEFAULT_OUTPUT_DIR = REPO_ROOT / "grading"
PLAIN_COURSE_ROOT = DEFAULT_OUTPUT_DIR / "course"
COURSE_ID = "rnn_course"
KERNEL_NAME = "python3"

# ClearSolutions stub: the blank exercise fails every test cell with NotImplementedError.
CODE_STUB = "# 在此处编写你的代码\nraise NotImplementedError()"
TEXT_STUB = "请在此处作答。"

# Every reference notebook runs in well under 20 s, so a single cell that needs a minute is stuck.
CELL_TIMEOUT_SECONDS = 60
# Wall-clock budget for one submission, from worker start to result file (kernel start, all cells,
# feedback). The parent kills the worker's and the kernel's process groups when it runs out.
SUBMISSION_TIMEOUT_SECONDS = 300
# RLIMIT_AS for the kernel. Importing torch maps about 1 GB of address space; 4 GiB leaves room for
# the exercises while a memory bomb fails with MemoryError instead of exhausting the machine.
MEMORY_LIMIT_BYTES = 4 * 1024**3
# RLIMIT_CPU for the kernel, in CPU seconds.
CPU_LIMIT_SECONDS = 240
# RLIMIT_FSIZE: largest file the kernel may write.
FILE_SIZE_LIMIT_BYTES = 64 * 1024**2
# RLIMIT_NPROC for the unprivileged kernel user (threads count too: torch and ipykernel start a few).
PROCESS_LIMIT = 512
# Size of the private /tmp the kernel gets when the sandbox runs as root.
SCRATCH_TMPFS_SIZE = "256m"
# A submission file larger than this is rejected before parsing.
MAX_SUBMISSION_BYTES = 20 * 1024**2

UNPRIVILEGED_USER = "nobody"

# Environment of the kernel process: UTF-8 whatever the locale, and no warnings on stderr, because
# nbgrader scores a test cell 0 when anything lands on stderr.
KERNEL_ENV = {
    "PYTHONWARNINGS": "ignore",
    "PYTHONUTF8": "1",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
}

# Environment variable that points the kernel launcher at the sandbox specification (JSON file).
SANDBOX_SPEC_ENV = "RNN_AUTOGRADER_SANDBOX_SPEC"


def venv_bin_dir() -> Path:
    """Return the directory of the running interpreter, which holds alembic and jupyter in a venv."""
    return Path(sys.executable).parent


def prepare_process_environment() -> None:
    """Put the venv first on PATH (nbgrader shells out to alembic) and force UTF-8 I/O."""
    bin_dir = str(venv_bin_dir())
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + path if path else bin_dir
    os.environ.setdefault("PYTHONUTF8", "1")
    os.environ["PYTHONIOENCODING"] = "utf-8"
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


@dataclass
class SandboxSpec:
    """Settings of the kernel launcher for one submission, written as JSON next to the workspace."""

    workspace: str = ""
    memory_bytes: int = MEMORY_LIMIT_BYTES
    cpu_seconds: int = CPU_LIMIT_SECONDS
    file_size_bytes: int = FILE_SIZE_LIMIT_BYTES
    process_limit: int = PROCESS_LIMIT
    # Paths hidden behind an empty read-only tmpfs when the launcher runs as root.
    masked_paths: list[str] = field(default_factory=list)
    # File the launcher appends its pid to, so the parent can kill the kernel's process group.
    pid_file: str = ""
    # Whether to isolate files (namespaces, nobody); None lets the launcher find out itself.
    privileged: bool | None = None

    def to_dict(self) -> dict:
        return asdict(self)


# Chapter analysis code that computes some graded results (gradients, stack check, window length, beam
# search) for the widgets. The exercise notebooks import only rnn_course.checks and rnn_course.validation.
CHAPTER_ANALYSIS_PATHS = [
    REPO_ROOT / "rnn_course" / name
    for name in ("memory.py", "attention.py", "generation.py", "pointer.py", "bidirectional.py", "widgets")
]


def default_masked_paths(extra: list[str] | None = None) -> list[str]:
    """Return the paths a sandboxed kernel must not see: references, tests, grader code, history, and
    the chapter analysis code, so that a graded answer cannot call it."""
    paths = [SOLUTIONS_DIR, REPO_ROOT / "tests", REPO_ROOT / "autograder", REPO_ROOT / ".git", DEFAULT_OUTPUT_DIR]
    paths += CHAPTER_ANALYSIS_PATHS
    paths += [Path(p) for p in (extra or [])]
    return sorted({str(p.resolve()) for p in paths})


def nbgrader_config(course_root: Path | str, db_url: str | None = None, source_dir: Path | str = SOLUTIONS_DIR,
                    release_dir: Path | str = EXERCISES_DIR, cell_timeout: int = CELL_TIMEOUT_SECONDS) -> Config:
    """Build the nbgrader configuration used by the CLI and by ``autograder/nbgrader_config.py``."""
    course_root = Path(course_root).resolve()
    c = Config()
    c.CourseDirectory.root = str(course_root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = str(Path(source_dir).resolve())
    c.CourseDirectory.release_directory = str(Path(release_dir).resolve())
    c.CourseDirectory.db_url = db_url or f"sqlite:///{course_root / 'gradebook.db'}"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.ClearSolutions.enforce_metadata = True

    # Execute is nbgrader's subclass of nbconvert's ExecutePreprocessor; older nbgrader versions read
    # the ExecutePreprocessor section, so both are set.
    for section in ("Execute", "ExecutePreprocessor"):
        c[section].timeout = cell_timeout
        c[section].interrupt_on_timeout = True
        c[section].kernel_name = KERNEL_NAME
        c[section].startup_timeout = 120
        c[section].kernel_manager_class = "autograder.kernel_manager.SandboxKernelManager"
    c.Execute.error_on_timeout = {
        "ename": "CellTimeoutError",
        "evalue": f"单元格运行超过 {cell_timeout} 秒，已中断",
        "traceback": [f"CellTimeoutError: 单元格运行超过 {cell_timeout} 秒，已中断"],
    }
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
    # A cell that prints 100 MB keeps IOPub busy after its reply; nbgrader's default (4 s, raise) would abort
    # the whole notebook, so late output is waited for a while and then dropped (TruncateOutput cuts it anyway).
    c.Execute.iopub_timeout = 30
    c.Execute.raise_on_iopub_timeout = False

    c.Autograde.autograde_preprocessors = [
        "autograder.execute.GuardedExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "autograder.feedback.TruncateOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.GenerateFeedback.preprocessors = [
        "autograder.feedback.SanitizeFeedback",
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    c.NbGrader.logfile = ""
    return c
