"""Measure each notebook's headless execution time and each widget's update latency.

    .venv/bin/python benchmarks/chapters.py                 # print the tables
    .venv/bin/python benchmarks/chapters.py --write-docs    # also rewrite docs/benchmarks.md

Targets (measured here, never asserted in tests): each chapter < 60 s and each reference
exercise < 20 s on 2 cores; a widget update (slider move to new PNG figure) median < 100 ms.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import ipywidgets
import nbformat
import torch
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
DOCS_PAGE = ROOT / "docs" / "benchmarks.md"
WIDGET_PACKAGE = ROOT / "rnn_course" / "widgets"
UPDATES_PER_WIDGET = 30  # at least 20 random settings, as the performance targets ask
SEED = 0
CHAPTER_TARGET_SECONDS = 60
EXERCISE_TARGET_SECONDS = 20
WIDGET_TARGET_MS = 100


def notebook_paths() -> list[Path]:
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    references = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    return chapters + references


def execution_seconds(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def widget_factories() -> list[tuple[str, object]]:
    factories = []
    for module_path in sorted(WIDGET_PACKAGE.glob("*.py")):
        if module_path.stem in {"__init__", "base"}:
            continue
        module = importlib.import_module(f"rnn_course.widgets.{module_path.stem}")
        factories += [(name, getattr(module, name)) for name in dir(module)
                      if name.endswith("_widget") and callable(getattr(module, name))]
    return factories


def random_value(control: ipywidgets.ValueWidget, rng: random.Random):
    if isinstance(control, (ipywidgets.IntSlider, ipywidgets.FloatSlider)):
        steps = round((control.max - control.min) / control.step)
        value = control.min + rng.randint(0, steps) * control.step
        return int(value) if isinstance(control, ipywidgets.IntSlider) else min(value, control.max)
    if isinstance(control, (ipywidgets.Dropdown, ipywidgets.ToggleButtons, ipywidgets.RadioButtons)):
        return rng.choice(control.options)[1] if isinstance(control.options[0], tuple) \
            else rng.choice(control.options)
    if isinstance(control, ipywidgets.Checkbox):
        return not control.value
    if isinstance(control, ipywidgets.Text):
        return "".join(rng.choice("()") for _ in range(rng.randint(0, 24)))
    raise TypeError(f"no random value for {type(control).__name__}")


def update_latencies_ms(factory, rng: random.Random) -> list[float]:
    """Time control changes, each of which re-renders the figure synchronously."""
    widget = factory()
    latencies = []
    while len(latencies) < UPDATES_PER_WIDGET:
        control = rng.choice(list(widget.controls.values()))
        value = random_value(control, rng)
        if value == control.value:
            continue
        start = time.perf_counter()
        control.value = value
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; torch {torch.__version__}")


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help=f"rewrite {DOCS_PAGE.relative_to(ROOT)}")
    parser.add_argument("--skip-notebooks", action="store_true", help="measure only the widgets")
    args = parser.parse_args()

    notebook_rows = []
    if not args.skip_notebooks:
        for path in notebook_paths():
            seconds = execution_seconds(path)
            target = CHAPTER_TARGET_SECONDS if path.parent.name == "chapters" else EXERCISE_TARGET_SECONDS
            notebook_rows.append((path.relative_to(ROOT).as_posix(), seconds, target))
            print(f"{path.relative_to(ROOT)}: {seconds:.1f} s (target < {target} s)", flush=True)

    rng = random.Random(SEED)
    widget_rows = []
    for name, factory in widget_factories():
        latencies = update_latencies_ms(factory, rng)
        median, p95 = statistics.median(latencies), percentile(latencies, 0.95)
        widget_rows.append((name, median, p95, len(latencies)))
        print(f"{name}: median {median:.0f} ms, p95 {p95:.0f} ms over {len(latencies)} updates", flush=True)

    if args.write_docs:
        write_docs(notebook_rows, widget_rows)
    return 0


def write_docs(notebook_rows, widget_rows) -> None:
    lines = [
        "# Benchmarks: notebooks and widgets",
        "",
        f"Measured on {date.today().isoformat()} by `benchmarks/chapters.py` on: {machine_description()}.",
        f"Load average (1, 5, 15 min) when the page was written: {load_average()}; other work on the machine",
        "slows every figure here.",
        "Grading throughput has its own page: [benchmark-grading.md](benchmark-grading.md).",
        "",
        "## Headless execution time (fresh kernel, nbclient)",
        "",
        "| notebook | seconds | target |",
        "|---|---:|---:|",
        *[f"| `{name}` | {seconds:.1f} | < {target} |" for name, seconds, target in notebook_rows],
        "",
        "## Widget update latency (one control change to a new PNG figure, in the kernel)",
        "",
        f"Each widget: {UPDATES_PER_WIDGET} changes of a random control to a random value (seed {SEED}).",
        "The time covers the render function and the PNG encoding; the browser's redraw is not included.",
        "",
        "| widget | median ms | p95 ms | updates | target median |",
        "|---|---:|---:|---:|---:|",
        *[f"| `{name}` | {median:.0f} | {p95:.0f} | {count} | < {WIDGET_TARGET_MS} |"
          for name, median, p95, count in widget_rows],
        "",
    ]
    DOCS_PAGE.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {DOCS_PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
