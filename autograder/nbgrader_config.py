"""nbgrader configuration of the course, for plain ``nbgrader`` commands run from the repository root.

    nbgrader generate_assignment a1_supervision_modes --force --JupyterApp.config_file=autograder/nbgrader_config.py

Source = solutions/, release = exercises/; the course root (submitted/, autograded/, feedback/ and
gradebook.db) is grading/course. ``python -m autograder`` builds the same configuration in code.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import settings  # noqa: E402

settings.prepare_process_environment()  # nbgrader shells out to alembic, which lives next to python
settings.PLAIN_COURSE_ROOT.mkdir(parents=True, exist_ok=True)
c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
c.merge(settings.nbgrader_config(settings.PLAIN_COURSE_ROOT))
