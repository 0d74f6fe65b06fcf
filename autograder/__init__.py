"""Autograder of the RNN course: nbgrader configuration and the ``python -m autograder`` CLI."""
