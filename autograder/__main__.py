"""Command line: ``python -m autograder release | check NOTEBOOK | grade PATH``."""

from __future__ import annotations

import sys

from autograder.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
