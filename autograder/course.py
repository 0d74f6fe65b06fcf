"""Build nbgrader course workspaces: the release notebooks and a template gradebook.

``generate_assignment`` (real nbgrader) turns every ``solutions/<name>/<name>.ipynb`` into a release
notebook and records the assignment's cells, points and checksums in a gradebook. Graders copy that
template gradebook into each submission's private workspace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder import settings


class CourseError(Exception):
    """A failure of the course set-up; the message is Chinese and names the fix."""


@dataclass
class Template:
    root: Path
    db_path: Path
    release_dir: Path
    source_dir: Path
    assignments: list[str]
    test_ids: dict[str, list[str]] = field(default_factory=dict)
    solution_ids: dict[str, list[str]] = field(default_factory=dict)
    points: dict[str, dict[str, float]] = field(default_factory=dict)

    def release_notebook(self, assignment: str) -> Path:
        return self.release_dir / assignment / f"{assignment}.ipynb"

    def all_ids(self) -> dict[str, list[str]]:
        return {name: self.solution_ids[name] + self.test_ids[name] for name in self.assignments}


def discover_assignments(source_dir: Path) -> list[str]:
    """Return the assignment names: folders <name> of source_dir holding <name>.ipynb."""
    if not source_dir.is_dir():
        raise CourseError(f"找不到 nbgrader 源目录 {source_dir}；请在仓库根目录运行，或检查 solutions/ 是否存在。")
    names = sorted(path.name for path in source_dir.iterdir()
                   if path.is_dir() and (path / f"{path.name}.ipynb").is_file())
    if not names:
        raise CourseError(f"{source_dir} 中没有作业：每个作业应是 <作业名>/<作业名>.ipynb。")
    return names


def stabilise_release(path: Path) -> None:
    """Rewrite a release notebook deterministically: sorted keys, fixed indentation, UTF-8, newline."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(data.get("cells", [])):
        if "id" in cell and not cell["id"]:
            cell["id"] = f"cell-{index:04d}"
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")


def generate(source_dir: Path, release_dir: Path, course_root: Path, db_url: str | None = None,
             assignments: list[str] | None = None) -> list[str]:
    """Run nbgrader generate_assignment for every assignment; return the assignment names."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    settings.prepare_process_environment()
    names = assignments or discover_assignments(source_dir)
    course_root.mkdir(parents=True, exist_ok=True)
    config = settings.nbgrader_config(course_root, db_url, source_dir, release_dir)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for name in names:
        outcome = api.generate_assignment(name, force=True, create=True)
        if not outcome.get("success"):
            log = (outcome.get("log") or "") + (outcome.get("error") or "")
            raise CourseError(f"nbgrader generate_assignment 处理作业 {name} 失败：\n{log[-2000:]}")
        stabilise_release(release_dir / name / f"{name}.ipynb")
    return names


def build_template(root: Path, source_dir: Path = settings.SOLUTIONS_DIR,
                   assignments: list[str] | None = None) -> Template:
    """Generate the release and a template gradebook under root (a private directory)."""
    from nbgrader.api import Gradebook

    source_dir = source_dir.resolve()
    release_dir = root / "release"
    db_path = root / "gradebook.db"
    names = generate(source_dir, release_dir, root, f"sqlite:///{db_path}", assignments)
    template = Template(root=root, db_path=db_path, release_dir=release_dir, source_dir=source_dir, assignments=names)
    with Gradebook(f"sqlite:///{db_path}", settings.COURSE_ID) as gradebook:
        for name in names:
            notebook = gradebook.find_notebook(name, name)
            template.test_ids[name] = [cell.name for cell in notebook.grade_cells]
            template.points[name] = {cell.name: float(cell.max_score) for cell in notebook.grade_cells}
            template.solution_ids[name] = [cell.name for cell in notebook.solution_cells]
    _order_by_release(template)
    return template


def _order_by_release(template: Template) -> None:
    """Sort the test ids in notebook order, so that reports list tasks as the notebook does."""
    for name in template.assignments:
        cells = json.loads(template.release_notebook(name).read_text(encoding="utf-8"))["cells"]
        order = [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in cells]

        def position(grade_id: str, order: list = order) -> int:
            return order.index(grade_id) if grade_id in order else len(order)

        template.test_ids[name].sort(key=position)
        template.solution_ids[name].sort(key=position)
