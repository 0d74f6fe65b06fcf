"""Build each chapter notebook from its percent-format parts and store the executed outputs.

A chapter's source is ``chapters/src/<chapter>/*.py`` (jupytext percent format, joined in file-name
order). The built ``chapters/<chapter>.ipynb`` keeps its outputs and widget state, so it reads well
unexecuted. ``--check`` builds nothing and fails when a notebook's cells differ from its parts.

    python tools/build_chapters.py [CHAPTER ...]        # build and execute
    python tools/build_chapters.py --check              # compare sources only
    python tools/build_chapters.py 01_principles --only '00_*' --only '40_*' --output /tmp/part.ipynb
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
SOURCES = CHAPTERS / "src"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CELL_TIMEOUT_SECONDS = 300


def chapter_names() -> list[str]:
    return sorted(path.name for path in SOURCES.iterdir() if path.is_dir())


def assemble(chapter: str, only: list[str] | None = None) -> nbformat.NotebookNode:
    """Join the chapter's parts (those matching any glob of only, if given) into one unexecuted notebook."""
    parts = sorted((SOURCES / chapter).glob("*.py"))
    if only:
        parts = [part for part in parts if any(part.match(pattern) for pattern in only)]
    if not parts:
        raise SystemExit(f"{SOURCES / chapter} has no *.py parts")
    notebook = nbformat.v4.new_notebook()
    for part in parts:
        notebook.cells.extend(jupytext.read(part, fmt="py:percent").cells)
    for cell in notebook.cells:
        cell.metadata.pop("lines_to_next_cell", None)
        cell.pop("id", None)
    notebook.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
    }
    return notebook


def cell_sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def build(chapter: str, only: list[str] | None = None, output: Path | None = None) -> float:
    notebook = assemble(chapter, only)
    start = time.perf_counter()
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTERS)}}, store_widget_state=True)
    client.execute()
    elapsed = time.perf_counter() - start
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{chapter.split('_')[0]}-{index:03d}"
    nbformat.write(notebook, output or CHAPTERS / f"{chapter}.ipynb")
    return elapsed


def check(chapter: str) -> list[str]:
    built = CHAPTERS / f"{chapter}.ipynb"
    if not built.exists():
        return [f"{built.relative_to(ROOT)} is missing; run python tools/build_chapters.py {chapter}"]
    expected = cell_sources(assemble(chapter))
    actual = cell_sources(nbformat.read(built, as_version=4))
    if expected != actual:
        return [f"{built.relative_to(ROOT)} differs from chapters/src/{chapter}/; "
                f"run python tools/build_chapters.py {chapter}"]
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names such as 01_principles (default: all)")
    parser.add_argument("--check", action="store_true", help="only compare notebooks with their sources")
    parser.add_argument("--only", action="append", metavar="GLOB", help="execute only the parts matching GLOB")
    parser.add_argument("--output", type=Path, help="write the executed notebook here instead of chapters/")
    args = parser.parse_args()
    names = args.chapters or chapter_names()
    if args.check:
        problems = [problem for name in names for problem in check(name)]
        print("\n".join(problems) or "chapters match their sources")
        return 1 if problems else 0
    for name in names:
        print(f"{name}: executed in {build(name, args.only, args.output):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
