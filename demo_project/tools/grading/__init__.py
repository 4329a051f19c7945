"""Grade learners' exercise notebooks, in steps like nbgrader's.

    python -m demo_project.tools.grading collected/              # a folder of submissions
    python -m demo_project.tools.grading alice/05-selectors-and-n-plus-one.ipynb
    make grade SUBMISSIONS=collected/

1. collect (collect.py): find the submissions, name their learners, read every file into
   memory before the first kernel starts;
2. assemble (assemble.py): the notebook to run, from the learner's answer cells and own
   cells and the locked cells of ``solutions/`` (nbgrader's checksums find edited ones);
3. run (sandbox.py, runner.py): each submission in its own bubblewrap sandbox;
4. judge (judge.py): each exercise from the verdicts its locked check cell recorded;
5. report (report.py): a table per notebook;
6. gradebook (gradebook.py): this run's own CSV, merged into the class gradebook by learner
   and notebook, and from the gradebook a wide CSV, a feedback file per learner
   (feedback.py) and the class report (class_report.py), each written atomically.

pipeline.py runs the steps in order. The grader never writes to a submission. A file that
cannot be graded is one row that says why, and the run goes on.
"""

import sys

# nbformat imports jsonschema, which at import time builds the IRI grammars of
# ``rfc3987_syntax`` (about 2 s of CPU) for a format notebook validation never checks: the
# grader and its tools do without it, as the runner does (runner.py).
sys.modules.setdefault("rfc3987_syntax", None)

from .pipeline import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, SandboxMissing, grade, grade_one  # noqa: E402
from .records import Assignment, Exercise, Row, Submission  # noqa: E402

__all__ = [
    "CELL_TIMEOUT",
    "NOTEBOOK_TIMEOUT",
    "Assignment",
    "Exercise",
    "Row",
    "SandboxMissing",
    "Submission",
    "grade",
    "grade_one",
]
