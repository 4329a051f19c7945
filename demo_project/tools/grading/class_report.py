"""The class report: one self-contained HTML page of what the class struggled with.

Written beside the gradebook after every run, from the whole gradebook: per exercise the
pass rate, the answers over their query budget, those not started, and the three failure
messages most learners hit; a plot of points per learner; the rows that need review and
why. The styles are inline and the plot an inline PNG, so the page opens with a double
click and travels as one file.
"""

from __future__ import annotations

import base64
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from itertools import groupby
from pathlib import Path

from .feedback import numbered, points
from .records import by_name

BUDGET = re.compile(r"took [\d,]+ quer(?:y|ies)")
WHERE = re.compile(r" \(on: .*\)$")  # the catalog a message ran on: the same mistake elsewhere
FAILED = {"failed", "failed hidden", "error", "time limit", "not run"}
NOTED = re.compile(r"edited|deleted|copies handed in|reordered|unsandboxed|cut at")


@dataclass
class ExerciseSummary:
    notebook: str
    exercise: str
    points: str
    learners: int = 0
    passed: int = 0
    over_budget: int = 0
    not_started: int = 0
    failed: int = 0
    review: int = 0
    messages: list[tuple[str, int]] = field(default_factory=list)  # (message, learners)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.learners if self.learners else 0.0


def message_of(detail: str) -> str:
    return WHERE.sub("", detail.strip()) or "(no message)"


def exercises(rows: list[dict]) -> list[ExerciseSummary]:
    """Per notebook and exercise: how the class did, and its most common failure messages."""
    found: dict[tuple[str, str], ExerciseSummary] = {}
    heard: dict[tuple[str, str], Counter] = {}
    for row in sorted(rows, key=lambda r: (r["notebook"], numbered(r["exercise"]))):
        if row["exercise"] == "-":
            continue
        key = (row["notebook"], row["exercise"])
        summary = found.setdefault(key, ExerciseSummary(*key, row["max_points"]))
        summary.learners += 1
        status = row["status"]
        summary.passed += status == "passed"
        summary.not_started += status == "not done"
        summary.review += status == "needs review"
        if status in FAILED:
            summary.failed += 1
            summary.over_budget += bool(BUDGET.search(row["detail"]))
            heard.setdefault(key, Counter())[message_of(row["detail"])] += 1
    for key, counter in heard.items():
        found[key].messages = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:3]
    return list(found.values())


def submission(row: dict) -> tuple:
    return by_name(row["learner"]), row["notebook"]


def to_review(rows: list[dict]) -> list[tuple[str, str, list[str]]]:
    """(learner, notebook, reasons) of every submission someone should look at."""
    found = []
    for (_, notebook), group in groupby(sorted(rows, key=submission), key=submission):
        mine = sorted(group, key=lambda row: numbered(row["exercise"]))
        why, held = [], {}  # held: a reason, and the exercises it holds back
        for row in mine:
            if row["status"] == "needs review":
                held.setdefault(row["detail"], []).append(row["exercise"])
            elif row["status"] == "not graded":
                why.append(f"not graded: {row['detail'] or row['notes']}")
        for detail, exercises in held.items():
            verb = "needs" if len(exercises) == 1 else "need"
            why.append(f"{', '.join(exercises)} {verb} review: {detail}")
        notes = {row["notes"] for row in mine if NOTED.search(row["notes"])}
        why += [f"notes: {note}" for note in sorted(notes)]
        if why:
            found.append((mine[0]["learner"], notebook, why))
    return found


def per_learner(rows: list[dict]) -> list[tuple[str, float, float]]:
    """(learner, points, points possible) over every notebook in the gradebook."""
    learners = sorted({row["learner"] for row in rows}, key=by_name)
    return [(name, *points([r for r in rows if r["learner"] == name])) for name in learners]


def plot(totals: list[tuple[str, float, float]]) -> str:
    """Points per learner as horizontal bars over the points possible: a base64 PNG."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 1.2 + 0.28 * len(totals)), dpi=100, layout="constrained")
    axes = figure.subplots()
    names = [name for name, _, _ in totals][::-1]
    axes.barh(names, [possible for *_, possible in totals][::-1], color="#e5e7eb", label="possible")
    axes.barh(names, [earned for _, earned, _ in totals][::-1], color="#2563eb", label="earned")
    axes.set_xlabel("points")
    axes.set_xlim(left=0)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    stream = io.BytesIO()
    figure.savefig(stream, format="png", metadata={"Software": None})
    return base64.b64encode(stream.getvalue()).decode("ascii")


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #111827; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; width: 100%; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 0.35rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f4f6; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bar { background: #e5e7eb; height: 0.6rem; width: 6rem; display: inline-block; }
.bar span { background: #16a34a; height: 100%; display: block; }
ol { margin: 0; padding-left: 1.2rem; }
.muted { color: #6b7280; }
"""


def exercise_table(summaries: list[ExerciseSummary]) -> list[str]:
    head = ("exercise", "points", "learners", "passed", "pass rate", "over budget",
            "not started", "failed", "review", "most common failures (learners)")  # fmt: skip
    html = ['<table class="exercises">', "<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for s in summaries:
        rate = round(100 * s.pass_rate)
        failures = "".join(f"<li>{escape(m)} <b>({n})</b></li>" for m, n in s.messages)
        cells = [
            f'<td>{escape(s.exercise)}</td><td class="n">{escape(s.points)}</td>',
            f'<td class="n">{s.learners}</td><td class="n">{s.passed}</td>',
            f'<td class="n">{rate} % <span class="bar"><span style="width:{rate}%">'
            "</span></span></td>",
            f'<td class="n">{s.over_budget}</td><td class="n">{s.not_started}</td>',
            f'<td class="n">{s.failed}</td><td class="n">{s.review}</td>',
            f"<td><ol>{failures}</ol></td>" if failures else '<td class="muted">none</td>',
        ]
        html.append(f'<tr data-exercise="{escape(s.exercise)}">' + "".join(cells) + "</tr>")
    return [*html, "</table>"]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render(rows: list[dict], *, source: str = "") -> str:
    """The class report of these gradebook rows, as one HTML page."""
    summaries = exercises(rows)
    totals = per_learner(rows)
    review = to_review(rows)
    notebooks = sorted({s.notebook for s in summaries})
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Class report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Class report</h1>",
        f'<p class="muted">{plural(len(totals), "learner")}, {plural(len(notebooks), "notebook")}'
        + (f", from {escape(source)}" if source else "")
        + ". Pass rate: the learners whose answer passed every check, of those who handed it in."
        " Over budget: right results with too many queries.</p>",
    ]
    for notebook in notebooks:
        parts += [f"<h2>{escape(notebook)}</h2>"]
        parts += exercise_table([s for s in summaries if s.notebook == notebook])
    parts += ["<h2>Points per learner</h2>"]
    if totals:
        image = f"data:image/png;base64,{plot(totals)}"
        parts += [f'<img id="points-per-learner" alt="points per learner" src="{image}">']
    else:
        parts += ['<p class="muted">No learner graded yet.</p>']
    parts += ["<h2>To review</h2>"]
    if review:
        parts += ['<table class="review"><tr><th>learner</th><th>notebook</th><th>why</th></tr>']
        for learner, notebook, why in review:
            reasons = "".join(f"<li>{escape(reason)}</li>" for reason in why)
            parts += [f"<tr><td>{escape(learner)}</td><td>{escape(notebook)}</td>"
                      f"<td><ul>{reasons}</ul></td></tr>"]  # fmt: skip
        parts += ["</table>"]
    else:
        parts += ['<p class="muted">Nothing to review.</p>']
    return "\n".join([*parts, "</body></html>", ""])


def write_report(rows: list[dict], path: Path, *, source: str = "") -> Path:
    from .report import replacing

    with replacing(path) as stream:
        stream.write(render(rows, source=source))
    return path
