"""Step 4, judge: each exercise's status from the verdicts its locked check cell recorded.

Each ``check(...)`` call in a check cell displays a verdict record,
``application/vnd.workbook.verdict+json``: ``{"exercise", "hidden", "status", "message",
"receipt"}``. A verdict counts only from the exercise's own locked check cell and only with
this run's receipt; a record with another receipt is a forgery and the exercise needs
review. A check cell without its verdicts is judged by how the cell ended (its error, its
time limit), and a cell that never ran by how the run ended.

Submissions whose learner-written cells look like tampering (``audit.audit_cells``) get 0
on every exercise, status "needs review", with the reasons.
"""

from __future__ import annotations

from .records import Exercise

VERDICT_MIME = "application/vnd.workbook.verdict+json"
STATUSES = {"passed", "failed", "not done", "error"}
# A check's own exceptions, when no verdict says more: the learner's code raising is an error.
LEGACY = {
    "NotDone": "not done",
    "NotRun": "not done",
    "CheckFailed": "failed",
    "HiddenCheckFailed": "failed hidden",
    "AnswerRaised": "error",
}


def by_grade_id(executed: dict | None) -> dict[str, dict]:
    cells = (executed or {}).get("cells", [])
    return {cell["metadata"]["grade_id"]: cell for cell in cells if "grade_id" in cell["metadata"]}


def verdicts(cell: dict, exercise: str) -> list[dict]:
    """The well-formed verdict records about ``exercise`` among a cell's outputs."""
    found = []
    for output in cell.get("outputs", []):
        record = output.get("data", {}).get(VERDICT_MIME)
        if (
            output.get("output_type") == "display_data"
            and isinstance(record, dict)
            and record.get("exercise") == exercise
            and record.get("status") in STATUSES
        ):
            found.append(record)
    return found


def error_of(cell: dict | None) -> dict | None:
    """The cell's error; at a time limit, nbclient's reply rather than the KeyboardInterrupt."""
    reply = (cell or {}).get("metadata", {}).get("execute_reply", {})
    if reply.get("ename") == "CellTimeoutError":
        return {"output_type": "error", **reply}
    errors = [o for o in (cell or {}).get("outputs", []) if o.get("output_type") == "error"]
    timeouts = [error for error in errors if error.get("ename") == "CellTimeoutError"]
    return (timeouts or errors or [None])[0]


def headline(error: dict) -> str:
    """A check's own message (and on which catalog), or the error's type and message."""
    if error["ename"] not in LEGACY:
        return f"{error['ename']}: {error['evalue']}" if error["evalue"] else error["ename"]
    lines = [line.strip() for line in str(error["evalue"]).splitlines() if line.strip()]
    first = lines[0].removeprefix("✗ ") if lines else error["ename"]
    where = next((line for line in lines[1:2] if line.startswith("on:")), "")
    return f"{first} ({where})" if where else first


def from_verdicts(records: list[dict], receipt: str) -> tuple[str, str] | None:
    if any(record.get("receipt") != receipt for record in records):
        return "needs review", "a verdict carried a receipt that is not this run's (forged)"
    by_kind = {bool(record.get("hidden")): record for record in records}
    for hidden in (False, True):
        record = by_kind.get(hidden)
        if record and record["status"] != "passed":
            status = (
                "failed hidden" if hidden and record["status"] == "failed" else record["status"]
            )
            return status, str(record.get("message", ""))
    if set(by_kind) == {False, True}:
        return "passed", ""
    return None


def judge(exercise: Exercise, cells: dict, missing: set, ending: str, receipt: str):
    """Return (status, detail) of one exercise; ``receipt=""``: check() records none yet."""
    if exercise.id in missing:
        return "not done", "the answer cell was deleted"
    check = cells.get(exercise.check_id)
    if check is None or check.get("execution_count") is None:
        return "not run", ending or "the check cell never ran"
    error = error_of(check)
    answer = error_of(cells.get(exercise.answer_id))
    if receipt:
        judged = from_verdicts(verdicts(check, exercise.id), receipt)
        if judged and judged[0] in {"not done", "failed", "error"} and answer is not None:
            judged = None  # the answer cell's own failure says more: judged below
        same = (
            judged
            and error
            and error["ename"] in LEGACY
            and error["evalue"].split("\n")[0] == judged[1]
        )
        if judged and same:
            return judged[0], headline(error)  # the same message, with the catalog it ran on
        if judged:
            return judged[0], judged[1].removeprefix("✗ ")
    if error is None:
        return ("error", "the check cell recorded no verdict") if receipt else ("passed", "")
    if error["ename"] == "CellTimeoutError":
        return "time limit", error["evalue"]
    if answer is not None:
        if answer["ename"] == "CellTimeoutError":
            return "time limit", f"the answer cell: {answer['evalue']}"
        return "error", f"the answer cell failed: {headline(answer)}"
    if error["ename"] == "KeyboardInterrupt":
        return "time limit", "interrupted at the cell's time limit"
    return LEGACY.get(error["ename"], "error") if not receipt else "error", headline(error)


def audit(sources: list[str]) -> list[str]:
    """Reasons the learner's cells look like tampering; none while no audit is installed."""
    try:
        from .audit import audit_cells
    except ImportError:  # the static audit arrives with the verdict channel; until then, none
        return []
    return audit_cells(sources)
