"""Grade one submission in its own private workspace: ``python -m autograder.worker JOB.json``.

The parent process creates the workspace (mode 0700) and the job file, and reads ``result.json``
afterwards. This process parses and rebuilds the submission, runs nbgrader autograde against a
private copy of the template gradebook (so the kernel never shares a database with another
submission), verifies the tampering canary, writes feedback HTML and the result. The parent alone
writes the main gradebook.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import time
import traceback
import warnings
from pathlib import Path

from autograder import settings
from autograder.execute import WEDGED_KERNEL_MESSAGE

STUDENT = "student"
CRASH_MARKERS = ("DeadKernelError", "Kernel died", "kernel died", "Kernel didn't respond", "UnresponsiveKernelError")


def _write_result(workspace: Path, result: dict) -> None:
    temporary = workspace / "result.json.tmp"
    temporary.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(workspace / "result.json")


def _configure_environment(workspace: Path, spec: dict) -> None:
    settings.prepare_process_environment()
    spec_path = workspace / "sandbox.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    os.environ[settings.SANDBOX_SPEC_ENV] = str(spec_path)
    for name, sub in (("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "jupyter-config"),
                      ("IPYTHONDIR", "ipython")):
        path = workspace / sub
        path.mkdir(mode=0o700, exist_ok=True)
        os.environ[name] = str(path)
    os.environ["PYTHONWARNINGS"] = "ignore"


def _insert_report_cell(notebook_path: Path, lines: list[str]) -> None:
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    text = "**自动评分说明**\n\n" + "\n".join(f"- {line}" for line in lines)
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(text))
    # nbgrader leaves the autograded notebook read-only; only root could write it without this.
    notebook_path.chmod(notebook_path.stat().st_mode | stat.S_IWUSR)
    nbformat.write(notebook, notebook_path)


def grade(job: dict) -> dict:
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder import canary, feedback, normalize

    workspace = Path(job["workspace"])
    assignment = job["assignment"]
    notebook_name = job["notebook"]
    result: dict = {"status": "ok", "reason": "", "notes": [], "scores": {}, "messages": {}, "feedback": None}

    try:
        submission, notes = normalize.load_submission(Path(job["submission"]))
        result["notes"].extend(notes)
        release = nbformat.read(job["release_notebook"], as_version=4)
        other = {name: set(ids) for name, ids in job.get("other_assignments", {}).items()}
        rebuilt = normalize.rebuild(release, submission, job["nonce"], assignment, other)
    except normalize.SubmissionError as error:
        return {**result, "status": "rejected", "reason": str(error)}
    result["notes"].extend(rebuilt.notes)

    course = workspace / "course"
    submitted = course / "submitted" / STUDENT / assignment
    submitted.mkdir(parents=True)
    nbformat.write(rebuilt.notebook, submitted / f"{notebook_name}.ipynb")
    shutil.copyfile(job["template_db"], course / "gradebook.db")
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    config = settings.nbgrader_config(course, db_url, job["source_dir"], workspace / "release", job["cell_timeout"])
    _configure_environment(workspace, job["sandbox"])
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)

    started = time.monotonic()
    outcome = api.autograde(assignment, STUDENT, force=True, create=True)
    result["timings"] = {"autograde": time.monotonic() - started}
    autograded_path = course / "autograded" / STUDENT / assignment / f"{notebook_name}.ipynb"
    if not outcome.get("success") or not autograded_path.exists():
        log = (outcome.get("log") or "") + (outcome.get("error") or "")
        if WEDGED_KERNEL_MESSAGE in log:
            status = "timeout"
            reason = "内核连续多个单元格超时且中断无效，整份提交记 0 分"
        elif any(marker in log for marker in CRASH_MARKERS):
            status = "crashed"
            reason = "内核在运行中崩溃或退出（例如 os._exit、exit()、段错误或内存耗尽），整份提交记 0 分"
        else:
            status = "crashed"
            reason = "nbgrader autograde 失败，整份提交记 0 分"
        (workspace / "autograde.log").write_text(log, encoding="utf-8")
        return {**result, "status": status, "reason": reason}

    executed = nbformat.read(autograded_path, as_version=4)
    problems = canary.verify(executed.cells, job["nonce"], rebuilt.canary_count)
    for cell in executed.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            failure = feedback.cell_failure(cell)
            result["messages"][meta["grade_id"]] = failure or ""

    with Gradebook(db_url, settings.COURSE_ID) as gradebook:
        submitted_notebook = gradebook.find_submission_notebook(notebook_name, assignment, STUDENT)
        for item in submitted_notebook.grades:
            result["scores"][item.name] = [float(item.auto_score or 0.0), float(item.max_score)]
        if problems:
            for item in submitted_notebook.grades:
                item.auto_score = 0.0
                item.needs_manual_grade = False
            gradebook.db.commit()

    if problems:
        result["status"] = "tampered"
        result["reason"] = "检测到对评分环境的篡改：" + "；".join(problems)
        result["tamper_details"] = problems
    if job.get("make_feedback", True):
        lines = [f"作业：{assignment}"]
        if result["reason"]:
            lines.append(result["reason"])
        lines.extend(result["notes"])
        _insert_report_cell(autograded_path, lines)
        started = time.monotonic()
        outcome = api.generate_feedback(assignment, STUDENT, force=True)
        result["timings"]["feedback"] = time.monotonic() - started
        html = course / "feedback" / STUDENT / assignment / f"{notebook_name}.html"
        if outcome.get("success") and html.exists():
            shutil.copyfile(html, workspace / "feedback.html")
            result["feedback"] = str(workspace / "feedback.html")
        else:
            result["notes"].append("反馈 HTML 生成失败")
    return result


def main(argv: list[str]) -> int:
    # nbgrader 0.9.6's own add_submission triggers SQLAlchemy autoflush warnings; they are noise here.
    warnings.simplefilter("ignore")
    job_path = Path(argv[0])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    workspace = Path(job["workspace"])
    try:
        result = grade(job)
    except Exception:  # noqa: BLE001 - the parent reports any failure of this worker as a grading error
        (workspace / "worker-error.log").write_text(traceback.format_exc(), encoding="utf-8")
        result = {"status": "error", "reason": "评分程序内部错误（详见工作目录中的 worker-error.log）",
                  "notes": [], "scores": {}, "messages": {}, "feedback": None}
    _write_result(workspace, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
