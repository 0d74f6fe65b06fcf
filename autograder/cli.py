"""The ``python -m autograder`` commands: release, check and grade. All output is Chinese."""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from autograder import settings, table
from autograder.collect import DEFAULT_FILENAME_REGEXP, CollectError, Submission, collect
from autograder.course import CourseError, Template, build_template, discover_assignments
from autograder.grading import (
    STATUS_LABELS,
    Limits,
    Record,
    apply_scores,
    grade_submissions,
    read_back,
    write_csv,
    write_gradebook,
    write_simple_feedback,
)
from autograder.sandbox import sandbox_is_privileged

LEAK_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


class UsageError(Exception):
    """A problem with the command's input; the Chinese message names the value and the fix."""


def _private_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o700)
    return path


def _default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(cell_timeout=args.cell_timeout, submission_timeout=args.timeout,
                  memory_bytes=args.memory_mb * 1024**2, cpu_seconds=max(args.timeout, 1))


def function_of(test_id: str, solution_ids: list[str]) -> str:
    """Return the graded function a test cell belongs to: its grade_id starts with test_<function>."""
    matches = [name for name in solution_ids if test_id.startswith(f"test_{name}")]
    return max(matches, key=len) if matches else ""


def _isolation_note() -> str:
    if sandbox_is_privileged():
        return "沙箱：以 root 运行，内核在私有挂载命名空间中以 nobody 身份运行，看不到参考答案与成绩库。"
    return ("沙箱：非 root 运行，只限制了内存、CPU 时间、文件大小和进程数，并使用空的临时工作目录；"
            "学生代码仍能读取当前用户可读的文件（文件隔离减弱）。")


# ---------------------------------------------------------------- grade

def _ensure_main_gradebook(db_url: str, template: Template) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.course import generate

    if db_url.startswith("sqlite:///"):
        db_file = Path(db_url[len("sqlite:///"):])
        if not db_file.exists():
            db_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template.db_path, db_file)
            return
    with Gradebook(db_url, settings.COURSE_ID) as gradebook:
        missing = []
        for name in template.assignments:
            try:
                gradebook.find_assignment(name)
            except MissingEntry:
                missing.append(name)
    if missing:
        scratch = _private_dir("rnn-autograder-main-")
        try:
            generate(template.source_dir, scratch / "release", scratch, db_url, missing)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _feedback_path(out: Path, record: Record) -> Path:
    return out / "feedback" / record.student / record.assignment / f"{record.assignment}.html"


def grade_class(path: Path, out: Path, db_url: str | None, jobs: int, limits: Limits, regexp: str,
                source_dir: Path = settings.SOLUTIONS_DIR, quiet: bool = False) -> list[Record]:
    """Grade every submission under path into out/ (gradebook, grades.csv, feedback, report.json)."""
    from nbgrader.api import Gradebook

    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{out / 'gradebook.db'}"
    scratch = _private_dir("rnn-autograder-class-")
    try:
        if not quiet:
            print("准备课程：用 nbgrader generate_assignment 从 solutions/ 生成发布版与模板成绩库 …", flush=True)
        template = build_template(scratch / "template", source_dir)
        submissions = collect(path, template.assignments, scratch / "extracted", regexp)
        if not submissions:
            raise UsageError(f"{path} 中没有找到提交；应为 <学生>/<作业>/<作业>.ipynb 结构的文件夹或 zip。")
        _ensure_main_gradebook(db_url, template)
        if not quiet:
            print(f"共 {len(submissions)} 份提交，并行 {jobs} 个进程。{_isolation_note()}", flush=True)
        extra_masks = [str(out), str(scratch)]
        if db_url.startswith("sqlite:///"):
            extra_masks.append(str(Path(db_url[len("sqlite:///"):]).parent))
        with Gradebook(db_url, settings.COURSE_ID) as gradebook:

            def on_result(record: Record, workspace: Path | None) -> None:
                apply_scores(record, template)
                if record.assignment in template.assignments:
                    write_gradebook(gradebook, record)
                    read_back(gradebook, record)
                target = _feedback_path(out, record)
                if record.feedback and Path(record.feedback).exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(record.feedback, target)
                else:
                    write_simple_feedback(target, record)
                record.feedback = str(target.relative_to(out))
                if not quiet:
                    label = STATUS_LABELS.get(record.status, record.status)
                    print(f"  {record.student} / {record.assignment}：{record.score:g}/{record.max_score:g}"
                          f"（{label}，{record.seconds:.1f} 秒）", flush=True)

            records = grade_submissions(submissions, template, jobs, limits, extra_masks, on_result=on_result)
        write_csv(out / "grades.csv", records, template)
        report = [{"student": r.student, "assignment": r.assignment, "score": r.score, "max_score": r.max_score,
                   "status": r.status, "reason": r.reason, "notes": r.notes, "scores": r.scores,
                   "messages": r.messages, "feedback": r.feedback} for r in records]
        (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
        return records
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def print_summary(records: list[Record], out: Path) -> None:
    rows = []
    for record in records:
        reason = "；".join(part for part in [record.reason, *record.notes] if part)
        rows.append([record.student, record.assignment, f"{record.score:g}/{record.max_score:g}",
                     STATUS_LABELS.get(record.status, record.status), reason])
    print()
    print(table.render(["学生", "作业", "得分", "状态", "说明"], rows, {4: 90}))
    failures = [record for record in records if record.status != "ok"]
    print()
    print(f"共 {len(records)} 份提交，{len(records) - len(failures)} 份正常评分，"
          f"{len(failures)} 份有问题（得分见上表）。")
    print(f"成绩表：{out / 'grades.csv'}")
    print(f"反馈：{out / 'feedback'}/<学生>/<作业>/<作业>.html")


def command_grade(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"找不到 {path}；请给出提交文件夹或 LMS 下载的 zip 文件。")
    out = Path(args.out) if args.out else settings.DEFAULT_OUTPUT_DIR
    records = grade_class(path, out, args.db, args.jobs, _limits(args), args.regexp)
    print_summary(records, out.resolve())
    return 0


# ---------------------------------------------------------------- check

def _find_assignment(notebook: Path, assignments: list[str]) -> str:
    for candidate in (notebook.stem, notebook.parent.name):
        if candidate in assignments:
            return candidate
    raise UsageError(f"无法判断 {notebook} 属于哪个作业：文件名或所在文件夹应是作业名之一"
                     f"（{'、'.join(assignments)}）。")


def command_check(args: argparse.Namespace) -> int:
    notebook = Path(args.notebook)
    if not notebook.is_file():
        raise UsageError(f"找不到笔记本 {notebook}；请给出 .ipynb 文件的路径，例如 exercises/<作业>/<作业>.ipynb。")
    assignments = discover_assignments(settings.SOLUTIONS_DIR)
    assignment = _find_assignment(notebook, assignments)
    scratch = _private_dir("rnn-autograder-check-")
    try:
        print(f"自检 {notebook}（作业 {assignment}），使用全部测试（含隐藏测试）…", flush=True)
        template = build_template(scratch / "template", settings.SOLUTIONS_DIR, [assignment])
        submission = Submission("learner", assignment, notebook.resolve(), assignment)
        records = grade_submissions([submission], template, 1, _limits(args), [str(scratch)], make_feedback=False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    record = records[0]
    apply_scores(record, template)
    print(_isolation_note())
    if record.status != "ok":
        print(f"\n未能完成评分：{record.reason}")
        for note in record.notes:
            print(f"说明：{note}")
        print(f"\n总分：{record.score:g} / {record.max_score:g}")
        return 1
    rows = []
    for test_id in template.test_ids[assignment]:
        earned, maximum = record.scores[test_id]
        passed = earned >= maximum
        message = record.messages.get(test_id, "")
        rows.append([test_id, function_of(test_id, template.solution_ids[assignment]), f"{earned:g}/{maximum:g}",
                     "通过" if passed else "未通过", "" if passed else message])
    print()
    print(table.render(["测试", "函数", "得分", "结果", "说明"], rows, {4: 100}))
    for note in record.notes:
        print(f"说明：{note}")
    print(f"\n总分：{record.score:g} / {record.max_score:g}")
    full = record.score >= record.max_score > 0
    print("全部通过。" if full else "还有未通过的测试，请根据说明修改后再运行自检。")
    return 0 if full else 1


# ---------------------------------------------------------------- release

def _tree_files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def find_marker_leaks(release_dir: Path) -> list[str]:
    leaks = []
    for relative, path in _tree_files(release_dir).items():
        if path.suffix != ".ipynb":
            continue
        text = path.read_text(encoding="utf-8")
        leaks += [f"{relative}：{marker}" for marker in LEAK_MARKERS if marker in text]
    return leaks


def generate_release_twice(scratch: Path) -> Template:
    """Generate the release twice and require byte-identical output; return the first template."""
    first = build_template(scratch / "first")
    second = build_template(scratch / "second")
    files_first, files_second = _tree_files(first.release_dir), _tree_files(second.release_dir)
    differing = sorted(name for name in files_first.keys() | files_second.keys()
                       if name not in files_first or name not in files_second
                       or not filecmp.cmp(files_first[name], files_second[name], shallow=False))
    if differing:
        raise CourseError("两次运行 nbgrader generate_assignment 的输出不一致（含时间戳或随机 id）："
                          + "、".join(differing))
    return first


def install_release(template: Template, exercises: Path) -> list[str]:
    """Copy the generated release into exercises/; return the files that changed."""
    changed = []
    generated = _tree_files(template.release_dir)
    for relative, source in generated.items():
        target = exercises / relative
        if target.exists() and filecmp.cmp(source, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        changed.append(relative)
    if exercises.is_dir():
        for folder in sorted(p for p in exercises.iterdir() if p.is_dir()):
            if folder.name not in template.assignments and (folder / f"{folder.name}.ipynb").exists():
                shutil.rmtree(folder)
                changed.append(f"{folder.name}/（已删除：solutions/ 中没有这个作业）")
    return changed


def validate_release(template: Template, args: argparse.Namespace) -> list[str]:
    """Grade each reference and each blank exercise through autograde; return the problems."""
    scratch = _private_dir("rnn-autograder-validate-")
    problems: list[str] = []
    try:
        class_dir = scratch / "class"
        for name in template.assignments:
            for student, source in (("reference", template.source_dir / name / f"{name}.ipynb"),
                                    ("blank", template.release_notebook(name))):
                target = class_dir / student / name / f"{name}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        records = grade_class(class_dir, scratch / "out", None, args.jobs, _limits(args), DEFAULT_FILENAME_REGEXP,
                              quiet=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = []
    for record in records:
        is_reference = record.student == "reference"
        failing = [name for name, (earned, maximum) in record.scores.items()
                   if (is_reference and earned < maximum) or (not is_reference and earned > 0)]
        if record.status != "ok":
            problems.append(f"{record.assignment} 的{'参考答案' if record.student == 'reference' else '空白练习'}"
                            f"评分失败：{record.reason}")
        for name in failing:
            detail = record.messages.get(name, "")
            if record.student == "reference":
                problems.append(f"{record.assignment}：参考答案没有通过 {name}（{detail}）")
            else:
                problems.append(f"{record.assignment}：空白练习竟然通过了 {name}")
        label = "参考答案" if record.student == "reference" else "空白练习"
        expected = "满分" if record.student == "reference" else "0 分"
        verdict = "符合" if not failing and record.status == "ok" else "不符合"
        rows.append([record.assignment, label, f"{record.score:g}/{record.max_score:g}", expected, verdict])
    print(table.render(["作业", "版本", "得分", "应为", "结论"], rows))
    return problems


def command_release(args: argparse.Namespace) -> int:
    scratch = _private_dir("rnn-autograder-release-")
    try:
        print("用 nbgrader generate_assignment 从 solutions/ 生成 exercises/（生成两次并逐字节比较）…", flush=True)
        template = generate_release_twice(scratch)
        changed = install_release(template, settings.EXERCISES_DIR)
        print(f"exercises/ 已更新 {len(changed)} 个文件" + ("：" + "、".join(changed) if changed else "（内容未变）"))
        leaks = find_marker_leaks(settings.EXERCISES_DIR)
        if leaks:
            print("错误：exercises/ 中残留了答案或隐藏测试标记：" + "、".join(leaks))
            return 1
        if args.skip_validation:
            return 0
        print("验证：参考答案应得满分，空白练习的每个测试应得 0 分（真实的 nbgrader autograde 流程）…", flush=True)
        problems = validate_release(template, args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if problems:
        print("\n验证失败：")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\n验证通过：每个参考答案通过全部测试，每个空白练习的全部测试都不通过。")
    return 0


# ---------------------------------------------------------------- entry point

def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cell-timeout", type=int, default=settings.CELL_TIMEOUT_SECONDS,
                        help="单个单元格的运行时间上限（秒），超时后中断内核")
    parser.add_argument("--timeout", type=int, default=settings.SUBMISSION_TIMEOUT_SECONDS,
                        help="一份提交的总时间上限（秒），超时后终止其全部进程并记 0 分")
    parser.add_argument("--memory-mb", type=int, default=settings.MEMORY_LIMIT_BYTES // 1024**2,
                        help="内核进程的地址空间上限（MiB）")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description="RNN 架构模式课程的自动评分器（基于 nbgrader）。")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="从 solutions/ 重新生成 exercises/，并验证参考答案与空白练习")
    release.add_argument("--jobs", type=int, default=_default_jobs(), help="并行评分进程数（默认：全部 CPU 核）")
    release.add_argument("--skip-validation", action="store_true", help="只生成 exercises/，不运行验证")
    _add_limit_options(release)

    check = commands.add_parser("check", help="学习者自检：用全部测试（含隐藏测试）检查一个练习笔记本")
    check.add_argument("notebook",
                       help="练习笔记本路径，例如 exercises/a1_supervision_modes/a1_supervision_modes.ipynb")
    _add_limit_options(check)

    grade = commands.add_parser("grade", help="批量评分：<学生>/<作业>/<作业>.ipynb 文件夹或 LMS 下载的 zip")
    grade.add_argument("path", help="提交文件夹或 zip 文件")
    grade.add_argument("--db", help="成绩库的 SQLAlchemy URL（默认：输出目录下的 gradebook.db）")
    grade.add_argument("--out",
                       help=f"输出目录：grades.csv、feedback/、gradebook.db（默认：{settings.DEFAULT_OUTPUT_DIR}）")
    grade.add_argument("--jobs", type=int, default=_default_jobs(), help="并行评分进程数（默认：全部 CPU 核）")
    grade.add_argument("--regexp", default=DEFAULT_FILENAME_REGEXP,
                       help="zip 中文件名的正则表达式，需含命名组 student_id 与 file_id"
                            "（与 nbgrader zip_collect 相同）")
    _add_limit_options(grade)
    return parser


def main(argv: list[str]) -> int:
    settings.prepare_process_environment()
    warnings.simplefilter("ignore")
    args = build_parser().parse_args(argv)
    handlers = {"release": command_release, "check": command_check, "grade": command_grade}
    try:
        return handlers[args.command](args)
    except (UsageError, CourseError, CollectError) as error:
        print(f"错误：{error}")
        return 2
    except KeyboardInterrupt:
        print("已中断。")
        return 130
