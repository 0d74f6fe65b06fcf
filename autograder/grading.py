"""Grade a class: one private workspace and worker process per submission, one trusted gradebook writer.

Workers start from a forkserver that has nbgrader imported already. Each runs in its own session with a
wall-clock limit, and on timeout the worker's and the kernel's process groups are killed. Results go into
the main gradebook through the nbgrader Gradebook API, one transaction per submission, from this
(parent) process only.
"""

from __future__ import annotations

import csv
import html
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from autograder import settings
from autograder.collect import Submission
from autograder.course import Template
from autograder.sandbox import sandbox_is_privileged

STATUS_LABELS = {
    "ok": "已评分",
    "tampered": "篡改",
    "rejected": "无法读取",
    "crashed": "内核崩溃",
    "timeout": "超时",
    "error": "评分错误",
    "unknown_assignment": "未知作业",
    "missing_notebook": "缺少笔记本",
}


@dataclass
class Limits:
    cell_timeout: int = settings.CELL_TIMEOUT_SECONDS
    submission_timeout: int = settings.SUBMISSION_TIMEOUT_SECONDS
    memory_bytes: int = settings.MEMORY_LIMIT_BYTES
    cpu_seconds: int = settings.CPU_LIMIT_SECONDS


@dataclass
class Record:
    student: str
    assignment: str
    status: str
    reason: str
    notes: list[str] = field(default_factory=list)
    scores: dict[str, list[float]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    score: float = 0.0
    max_score: float = 0.0
    feedback: str | None = None
    seconds: float = 0.0


def _run_worker(job_path: str) -> None:
    """Entry point of a forked worker: new session, then the worker's main."""
    os.setsid()
    from autograder import worker

    worker.main([job_path])


_CONTEXT = None


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["autograder.worker", "nbgrader.apps", "nbgrader.api", "nbconvert",
                                         "nbformat", "jupyter_client", "autograder.normalize",
                                         "nbgrader.converters", "nbconvert.exporters.html", "autograder.feedback"])
    return _CONTEXT


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_job(job: dict, timeout: float) -> dict:
    """Run one worker and return its result; kill everything it started when it runs out of time."""
    workspace = Path(job["workspace"])
    job_path = workspace / "job.json"
    job_path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    process = _context().Process(target=_run_worker, args=(str(job_path),), daemon=False)
    started = time.monotonic()
    process.start()
    process.join(timeout)
    timed_out = process.is_alive()
    if timed_out:
        _kill_group(process.pid)
        process.join(10)
    pid_file = workspace / "kernel.pid"
    if pid_file.exists():
        for line in pid_file.read_text(encoding="utf-8").split():
            if line.isdigit():
                _kill_group(int(line))
    seconds = time.monotonic() - started
    result_path = workspace / "result.json"
    if timed_out:
        result = {"status": "timeout", "reason": f"整份提交超过 {timeout:g} 秒的时间上限，已终止，记 0 分"}
    elif result_path.exists():
        result = json.loads(result_path.read_text(encoding="utf-8"))
    else:
        result = {"status": "error", "reason": f"评分进程异常退出（退出码 {process.exitcode}），记 0 分"}
    result["seconds"] = seconds
    return result


def _make_workspace_base() -> Path:
    base = Path(tempfile.mkdtemp(prefix="rnn-autograder-"))
    base.chmod(0o700)
    return base


def sandbox_spec(workspace: Path, limits: Limits, extra_masks: list[str]) -> dict:
    spec = settings.SandboxSpec(
        workspace=str(workspace),
        memory_bytes=limits.memory_bytes,
        cpu_seconds=limits.cpu_seconds,
        masked_paths=settings.default_masked_paths(extra_masks),
        pid_file=str(workspace / "kernel.pid"),
        privileged=sandbox_is_privileged(),
    )
    return spec.to_dict()


def grade_submissions(submissions: list[Submission], template: Template, jobs: int, limits: Limits,
                      extra_masks: list[str], make_feedback: bool = True, on_result=None,
                      keep_workspaces: bool = False) -> list[Record]:
    """Grade every submission in parallel; call on_result(record, workspace) in this thread as each ends."""
    base = _make_workspace_base()
    masks = [str(base), str(template.root), *extra_masks]
    other = template.all_ids()
    records: list[Record] = []
    pending = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {}
            for index, submission in enumerate(submissions):
                if submission.status:
                    record = Record(submission.student, submission.assignment, submission.status, submission.reason,
                                    list(submission.notes))
                    pending.append((record, None))
                    continue
                workspace = base / f"job-{index:05d}"
                workspace.mkdir(mode=0o700)
                job = {
                    "workspace": str(workspace),
                    "submission": str(submission.path),
                    "assignment": submission.assignment,
                    "notebook": submission.assignment,
                    "release_notebook": str(template.release_notebook(submission.assignment)),
                    "template_db": str(template.db_path),
                    "source_dir": str(template.source_dir),
                    "nonce": secrets.token_hex(16),
                    "other_assignments": other,
                    "cell_timeout": limits.cell_timeout,
                    "make_feedback": make_feedback,
                    "sandbox": sandbox_spec(workspace, limits, masks),
                }
                future = pool.submit(run_job, job, limits.submission_timeout)
                futures[future] = (submission, workspace)
            for record, workspace in pending:
                if on_result:
                    on_result(record, workspace)
                records.append(record)
            for future in as_completed(futures):
                submission, workspace = futures[future]
                result = future.result()
                record = Record(
                    student=submission.student, assignment=submission.assignment,
                    status=result.get("status", "error"), reason=result.get("reason", ""),
                    notes=list(submission.notes) + list(result.get("notes", [])),
                    scores={k: list(v) for k, v in result.get("scores", {}).items()},
                    messages=dict(result.get("messages", {})), feedback=result.get("feedback"),
                    seconds=float(result.get("seconds", 0.0)),
                )
                if on_result:
                    on_result(record, workspace)
                records.append(record)
    finally:
        if not keep_workspaces:
            shutil.rmtree(base, ignore_errors=True)
    records.sort(key=lambda r: (r.student, r.assignment))
    return records


def apply_scores(record: Record, template: Template) -> None:
    """Fill record.scores for every test cell: the earned points when graded cleanly, otherwise 0."""
    points = template.points.get(record.assignment, {})
    if record.status != "ok":
        record.scores = {name: [0.0, maximum] for name, maximum in points.items()}
    else:
        record.scores = {name: [float(record.scores.get(name, [0.0])[0]), maximum] for name, maximum in points.items()}
    record.score = sum(value for value, _ in record.scores.values())
    record.max_score = sum(points.values())


def write_gradebook(gradebook, record: Record) -> None:
    """Store one submission's grades in one transaction, creating the student and submission if needed."""
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook

    session = gradebook.db
    try:
        assignment = gradebook.find_assignment(record.assignment)
        student = session.get(Student, record.student)
        if student is None:
            student = Student(id=record.student)
            session.add(student)
        submission = (session.query(SubmittedAssignment)
                      .filter(SubmittedAssignment.assignment_id == assignment.id,
                              SubmittedAssignment.student_id == record.student).one_or_none())
        if submission is None:
            # The same structure as Gradebook.add_submission builds, without its intermediate commit.
            with session.no_autoflush:
                submission = SubmittedAssignment(assignment=assignment, student=student)
                session.add(submission)
                for notebook in assignment.notebooks:
                    submitted = SubmittedNotebook(notebook=notebook, assignment=submission)
                    session.add(submitted)
                    for cell in notebook.grade_cells:
                        session.add(Grade(cell_id=cell.id, notebook=submitted))
                    for cell in notebook.solution_cells:
                        session.add(Comment(cell_id=cell.id, notebook=submitted))
                    for cell in notebook.task_cells:
                        session.add(Comment(cell_id=cell.id, notebook=submitted))
                        session.add(Grade(cell_id=cell.id, notebook=submitted))
        session.flush()
        comment_text = record.reason or None
        for submitted in submission.notebooks:
            submitted.flagged = record.status != "ok"
            for grade in submitted.grades:
                grade.auto_score = record.scores.get(grade.name, [0.0])[0]
                grade.manual_score = None
                grade.needs_manual_grade = False
            for comment in submitted.comments:
                comment.auto_comment = comment_text
        session.commit()
    except Exception:
        session.rollback()
        raise


def read_back(gradebook, record: Record) -> None:
    """Replace the record's totals with what the gradebook stores, so the CSV reflects the database."""
    submission = gradebook.find_submission(record.assignment, record.student)
    record.score = float(submission.score)
    record.max_score = float(submission.max_score)


def write_csv(path: Path, records: list[Record], template: Template) -> None:
    columns = [name for assignment in template.assignments for name in template.test_ids[assignment]]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".csv.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", "score", "max_score", *columns, "status", "reason"])
        for record in records:
            reason = "；".join(part for part in [record.reason, *record.notes] if part)
            row = [record.student, record.assignment, f"{record.score:g}", f"{record.max_score:g}"]
            row += [f"{record.scores[name][0]:g}" if name in record.scores else "" for name in columns]
            row += [record.status, reason]
            writer.writerow(row)
    temporary.replace(path)


def write_simple_feedback(path: Path, record: Record) -> None:
    """Write a feedback page for a submission that could not be executed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    items = "".join(f"<li>{html.escape(text)}</li>" for text in [record.reason, *record.notes] if text)
    title = html.escape(record.assignment)
    page = (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title} 反馈"
            f"</title></head><body><h1>{html.escape(record.assignment)}：{html.escape(record.student)}</h1>"
            f"<p>得分：{record.score:g} / {record.max_score:g}（{STATUS_LABELS.get(record.status, record.status)}）</p>"
            f"<ul>{items}</ul></body></html>\n")
    path.write_text(page, encoding="utf-8")
