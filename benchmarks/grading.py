"""Grading throughput: seconds per submission, and grading time over bare execution, serial and parallel.

    .venv/bin/python benchmarks/grading.py [--students 52] [--serial-students 52] [--write docs/benchmark-grading.md]

The class mixes references, blank exercises, wrong and correct variants from tests/grading_cases/ and
hostile submissions (monkeypatching, sys.exit, broken files), spread over all assignments. "Bare
execution" runs the same normalised notebooks (the rebuilt notebook with the hidden tests restored and the
canary cells) with nbclient in a plain kernel: no sandbox, no nbgrader, no gradebook, no feedback.
"Grading" is ``python -m autograder grade`` on the class folder, from start to CSV, feedback and gradebook.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from autograder import normalize, settings  # noqa: E402

HOSTILE_CODE = {
    "patch-numpy": "import numpy.testing\nnumpy.testing.assert_allclose = lambda *args, **kwargs: None",
    "patch-checks": "import rnn_course.checks as _checks\n_checks.check_float = lambda *args, **kwargs: None",
    "custom-exc": "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)",
    "sys-exit": "import sys\ntry:\n    sys.exit(3)\nfinally:\n    pass",
}


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _assignments() -> list[str]:
    return sorted(p.name for p in (REPO / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())


def _replace(nb, grade_id: str, source: str):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if _meta(cell).get("solution") and _meta(cell).get("grade_id") == grade_id:
            cell.source = source
    return nb


def build_class(folder: Path, size: int) -> list[tuple[str, str, Path]]:
    """Write size submissions to folder; return (student, assignment, path) in a fixed order."""
    pool: list[tuple[str, str, nbformat.NotebookNode | bytes]] = []
    for name in _assignments():
        reference = nbformat.read(REPO / "solutions" / name / f"{name}.ipynb", as_version=4)
        blank = nbformat.read(REPO / "exercises" / name / f"{name}.ipynb", as_version=4)
        pool += [(f"ref-{name}", name, reference), (f"blank-{name}", name, blank)]
        cases = runpy.run_path(str(REPO / "tests" / "grading_cases" / f"{name}.py"))
        for kind in ("WRONG_ANSWERS", "CORRECT_VARIANTS"):
            for function, variants in sorted(cases.get(kind, {}).items()):
                for label, source in sorted(variants.items()):
                    pool.append((f"{kind[:5].lower()}-{function}-{label}", name, _replace(reference, function, source)))
        for label, code in HOSTILE_CODE.items():
            hostile = copy.deepcopy(blank)
            hostile.cells.insert(2, nbformat.v4.new_code_cell(code))
            pool.append((f"hostile-{label}-{name}", name, hostile))
        pool.append((f"broken-{name}", name, b"{ not json"))
    # Interleave so that any prefix of the class mixes kinds and assignments.
    pool.sort(key=lambda item: (zlib.crc32(item[0].encode()) % 7, item[0]))
    chosen = [pool[i % len(pool)] for i in range(size)]
    written = []
    for index, (student, name, content) in enumerate(chosen):
        student_id = f"{index:03d}-{student}"[:60]
        path = folder / student_id / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)
        written.append((student_id, name, path))
    return written


def _normalised(path: Path, name: str) -> nbformat.NotebookNode | None:
    """The notebook the grader executes: rebuilt from the release, hidden tests restored, canaries in."""
    try:
        submission, _notes = normalize.load_submission(path)
        release = nbformat.read(REPO / "exercises" / name / f"{name}.ipynb", as_version=4)
        rebuilt = normalize.rebuild(release, submission, "0" * 32, name).notebook
    except normalize.SubmissionError:
        return None
    source = nbformat.read(REPO / "solutions" / name / f"{name}.ipynb", as_version=4)
    tests = {_meta(c)["grade_id"]: c.source for c in source.cells if _meta(c).get("grade")}
    for cell in rebuilt.cells:
        grade_id = _meta(cell).get("grade_id")
        if _meta(cell).get("grade") and grade_id in tests:
            cell.source = tests[grade_id]
    return rebuilt


def _execute_bare(args: tuple[str, str]) -> float:
    from nbclient import NotebookClient

    path, name = args
    started = time.monotonic()
    notebook = _normalised(Path(path), name)
    if notebook is not None:
        scratch = tempfile.mkdtemp(prefix="bench-bare-")
        try:
            client = NotebookClient(notebook, timeout=settings.CELL_TIMEOUT_SECONDS, kernel_name="python3",
                                    allow_errors=True, resources={"metadata": {"path": scratch}})
            client.execute()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return time.monotonic() - started


def time_bare(submissions: list[tuple[str, str, Path]], jobs: int) -> float:
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_execute_bare, [(str(path), name) for _, name, path in submissions]))
    return time.monotonic() - started


def time_grading(folder: Path, out: Path, jobs: int) -> float:
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out),
                                "--jobs", str(jobs)], cwd=REPO, capture_output=True, text=True, encoding="utf-8")
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        raise SystemExit(f"评分失败：\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return elapsed


def machine() -> dict:
    import torch

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "ram_gib": round(memory, 1),
            "python": platform.python_version(), "torch": torch.__version__, "platform": platform.platform(),
            "load_average_at_start": os.getloadavg()}


def main() -> int:
    parser = argparse.ArgumentParser(description="评分吞吐量基准：每份提交的秒数，以及评分时间与单纯执行时间之比。")
    parser.add_argument("--students", type=int, default=52, help="并行测量的班级人数（至少 50 才符合基准要求）")
    parser.add_argument("--serial-students", type=int, default=None,
                        help="串行测量使用班级的前多少份提交（默认：全部）")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="并行进程数（默认：全部 CPU 核）")
    parser.add_argument("--write", type=Path, help="把结果写入这个 Markdown 文件")
    args = parser.parse_args()
    settings.prepare_process_environment()

    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        full = work / "class"
        submissions = build_class(full, args.students)
        serial_count = args.serial_students or args.students
        serial = work / "serial-class"
        for student_id, name, path in submissions[:serial_count]:
            target = serial / student_id / name / path.name
            target.parent.mkdir(parents=True)
            shutil.copyfile(path, target)
        info = machine()
        results = {"machine": info, "students": args.students, "serial_students": serial_count, "jobs": args.jobs}
        results["bare_serial_s"] = time_bare(submissions[:serial_count], 1)
        results["grading_serial_s"] = time_grading(serial, work / "out-serial", 1)
        results["bare_parallel_s"] = time_bare(submissions, args.jobs)
        results["grading_parallel_s"] = time_grading(full, work / "out-parallel", args.jobs)
        results["load_average_at_end"] = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["serial_s_per_submission"] = results["grading_serial_s"] / serial_count
    results["parallel_s_per_submission"] = results["grading_parallel_s"] / args.students
    results["ratio_serial"] = results["grading_serial_s"] / results["bare_serial_s"]
    results["ratio_parallel"] = results["grading_parallel_s"] / results["bare_parallel_s"]
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if args.write:
        args.write.write_text(render(results), encoding="utf-8")
    return 0


def render(r: dict) -> str:
    m = r["machine"]
    return f"""# Grading benchmark

Measured with `.venv/bin/python benchmarks/grading.py --students {r['students']} --serial-students \
{r['serial_students']} --jobs {r['jobs']}`.

Machine: {m['cpu']}, {m['cores']} cores available, {m['ram_gib']} GiB RAM, Python {m['python']}, torch {m['torch']},
{m['platform']}. Load average (1, 5, 15 min) at start {tuple(round(x, 1) for x in m['load_average_at_start'])}, at end
{tuple(round(x, 1) for x in r['load_average_at_end'])}.

| run | submissions | jobs | bare execution (s) | grading (s) | grading s / submission | grading ÷ bare |
|---|---|---|---|---|---|---|
| serial | {r['serial_students']} | 1 | {r['bare_serial_s']:.1f} | {r['grading_serial_s']:.1f} | \
{r['serial_s_per_submission']:.2f} | {r['ratio_serial']:.2f} |
| parallel | {r['students']} | {r['jobs']} | {r['bare_parallel_s']:.1f} | {r['grading_parallel_s']:.1f} | \
{r['parallel_s_per_submission']:.2f} | {r['ratio_parallel']:.2f} |

"Bare execution" runs the same normalised notebooks (rebuilt from the release, hidden tests restored,
canary cells included) with nbclient in a plain kernel: no sandbox, no nbgrader, no gradebook and no
feedback. "Grading" is the whole `python -m autograder grade` command: template generation with
`nbgrader generate_assignment`, per-submission workspaces, sandboxed kernels, `nbgrader autograde`,
`nbgrader generate_feedback`, the gradebook, `grades.csv`. The target is a ratio of at most 1.3.
"""


if __name__ == "__main__":
    sys.exit(main())
