"""Find submissions in a folder ``<student>/<assignment>/<notebook>.ipynb`` or in an LMS zip.

Zip downloads follow the conventions of nbgrader's ``zip_collect``: a file name is matched against a
named-group regular expression that yields ``student_id`` and ``file_id`` (and optionally
``timestamp``). The default is the example of nbgrader's FileNameCollectorPlugin help, for names like
``a1_supervision_modes_张三_attempt_2026-12-01-10-00-00_a1_supervision_modes.ipynb``. A zip that
already contains ``<student>/<assignment>/…`` folders is read like a folder.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

DEFAULT_FILENAME_REGEXP = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>\w+)"
# Limits of zip extraction: total uncompressed size and number of entries.
MAX_ZIP_BYTES = 2 * 1024**3
MAX_ZIP_ENTRIES = 20000


class CollectError(Exception):
    """The input cannot be read as a class of submissions; the message is Chinese."""


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path | None
    notebook: str
    notes: list[str] = field(default_factory=list)
    status: str = ""  # set when the submission is rejected while collecting
    reason: str = ""


def _valid_id(name: str) -> bool:
    return bool(name) and not name.startswith(".") and "/" not in name and "\\" not in name and name.strip() == name


def _pick_notebook(folder: Path, assignment: str) -> tuple[Path | None, list[str], str]:
    notes: list[str] = []
    expected_path = folder / f"{assignment}.ipynb"
    files = sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    files = [p for p in files if ".ipynb_checkpoints" not in p.parts]
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    chosen: Path | None = None
    if expected_path in notebooks:
        chosen = expected_path
    elif len(notebooks) == 1:
        chosen = notebooks[0]
        notes.append(f"笔记本文件名是 {chosen.name}，不是 {assignment}.ipynb，仍按本作业评分")
    extra = [p.relative_to(folder).as_posix() for p in files if p != chosen]
    if extra:
        listed = "、".join(extra[:5]) + ("……" if len(extra) > 5 else "")
        notes.append(f"已忽略 {len(extra)} 个附加文件（评分只使用笔记本）：{listed}")
    if chosen is None:
        if notebooks:
            return None, notes, f"文件夹中有多个笔记本，但没有 {assignment}.ipynb"
        return None, notes, f"文件夹中没有笔记本 {assignment}.ipynb"
    if chosen.is_symlink():
        return None, notes, "提交的笔记本是符号链接，出于安全原因拒绝评分"
    return chosen, notes, ""


def collect_folder(root: Path, assignments: list[str]) -> list[Submission]:
    if (root / "submitted").is_dir():
        root = root / "submitted"
    submissions: list[Submission] = []
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        if not _valid_id(student_dir.name):
            continue
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            name = assignment_dir.name
            if name.startswith("."):
                continue
            if name not in assignments:
                submissions.append(Submission(student_dir.name, name, None, name, status="unknown_assignment",
                                              reason=f"未知作业 {name}；已知作业：{'、'.join(assignments)}"))
                continue
            path, notes, problem = _pick_notebook(assignment_dir, name)
            submission = Submission(student_dir.name, name, path, name, notes)
            if problem:
                submission.status, submission.reason = "missing_notebook", problem
            submissions.append(submission)
    return submissions


def _safe_extract(archive: Path, target: Path) -> None:
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise CollectError(f"无法打开 zip 文件 {archive}：{error}") from None
    with bundle:
        members = bundle.infolist()
        if len(members) > MAX_ZIP_ENTRIES:
            raise CollectError(f"zip 文件条目过多：{len(members)}，上限 {MAX_ZIP_ENTRIES}。")
        if sum(member.file_size for member in members) > MAX_ZIP_BYTES:
            raise CollectError(f"zip 文件解压后超过 {MAX_ZIP_BYTES} 字节上限。")
        for member in members:
            name = member.filename
            if not (member.flag_bits & 0x800):
                # Names without the UTF-8 flag are cp437 in the zip standard; many tools wrote UTF-8 anyway.
                try:
                    name = name.encode("cp437").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if not parts or name.startswith("/") or any(part in ("..", "") for part in parts):
                continue
            if parts[0] == "__MACOSX":
                continue
            destination = target.joinpath(*parts)
            if member.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(member) as source, open(destination, "wb") as sink:
                shutil.copyfileobj(source, sink)


def _looks_like_folders(root: Path, assignments: list[str]) -> Path | None:
    candidates = [root] + [p for p in root.iterdir() if p.is_dir()]
    for candidate in candidates:
        for student_dir in (p for p in candidate.iterdir() if p.is_dir()):
            if any((student_dir / name).is_dir() for name in assignments):
                return candidate
    return None


def collect_zip(archive: Path, assignments: list[str], extract_dir: Path, regexp: str) -> list[Submission]:
    _safe_extract(archive, extract_dir)
    folder_root = _looks_like_folders(extract_dir, assignments)
    if folder_root is not None:
        return collect_folder(folder_root, assignments)
    pattern = re.compile(regexp)
    chosen: dict[tuple[str, str], tuple[str, Path]] = {}
    skipped: list[str] = []
    for path in sorted(p for p in extract_dir.rglob("*") if p.is_file()):
        if path.suffix != ".ipynb":
            continue
        match = pattern.match(path.name)
        groups = match.groupdict() if match else {}
        student, file_id = groups.get("student_id"), groups.get("file_id")
        if not student or not file_id:
            skipped.append(path.name)
            continue
        stem = file_id[:-6] if file_id.endswith(".ipynb") else file_id
        assignment = stem if stem in assignments else next((a for a in assignments if stem.startswith(a)), stem)
        key = (student, assignment)
        timestamp = groups.get("timestamp") or ""
        if key not in chosen or timestamp >= chosen[key][0]:
            chosen[key] = (timestamp, path)
    if not chosen:
        raise CollectError("zip 中没有符合命名规则的笔记本。文件名应形如 "
                           "<作业>_<学生ID>_attempt_<时间戳>_<作业>.ipynb，或用 --regexp 指定正则表达式"
                           f"（当前：{regexp}）。未匹配的文件：{'、'.join(skipped[:5])}")
    submissions = []
    for (student, assignment), (_timestamp, path) in sorted(chosen.items()):
        if assignment not in assignments:
            submissions.append(Submission(student, assignment, None, assignment, status="unknown_assignment",
                                          reason=f"未知作业 {assignment}；已知作业：{'、'.join(assignments)}"))
        else:
            submissions.append(Submission(student, assignment, path, assignment))
    return submissions


def collect(path: Path, assignments: list[str], extract_dir: Path, regexp: str = DEFAULT_FILENAME_REGEXP
            ) -> list[Submission]:
    if path.is_file() and zipfile.is_zipfile(path):
        return collect_zip(path, assignments, extract_dir, regexp)
    if path.is_dir():
        return collect_folder(path, assignments)
    raise CollectError(f"{path} 既不是文件夹也不是 zip 文件；"
                       "请给出 <学生>/<作业>/<作业>.ipynb 结构的文件夹或 LMS 下载的 zip。")
