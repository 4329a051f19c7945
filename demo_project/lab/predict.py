"""Predict, then measure: compare a learner's guess with what a cell just measured.

    guess = None  # how many queries will the page make? write a number, then run on
    ...
    lab.reveal(guess, panel.count, what="queries for one page",
               look_at="the panel's 'repeated' rows: one statement per item is an N+1")

The committed lessons hold no guess (``None``): the comparison then says so and shows
the measurement alone, so the stored output is the same on every run.
"""

from __future__ import annotations

from typing import Any

NO_PREDICTION = "(No prediction written in the cell above: write yours, then run both cells again.)"


def reveal(guess: Any, measured: Any, *, what: str, look_at: str, tolerance: float = 0) -> None:
    """Print the measurement beside the guess; say where to look when they differ.

    Numbers match within ``tolerance`` (a fraction of the measurement: 0.1 is 10 %);
    anything else matches when it is equal, ignoring case and spaces for text.
    Nothing is returned, so the call can end a cell without a stray ``False`` under it.
    """
    if guess is None or guess is Ellipsis:
        # Two short lines: an output line wider than the notebook wraps in the middle of a word.
        print(f"Measured {what}: {measured}.")
        print(NO_PREDICTION)
        return
    if _matches(guess, measured, tolerance):
        print(f"✓ You predicted {guess!r}; measured {what}: {measured}.")
    else:
        print(f"✗ You predicted {guess!r}; measured {what}: {measured}.")
        print(f"  Look at: {look_at}")


def _matches(guess: Any, measured: Any, tolerance: float) -> bool:
    if isinstance(guess, bool) or isinstance(measured, bool):
        return guess is measured
    if isinstance(guess, int | float) and isinstance(measured, int | float):
        return abs(guess - measured) <= abs(measured) * tolerance
    if isinstance(guess, str) and isinstance(measured, str):
        return " ".join(guess.lower().split()) == " ".join(measured.lower().split())
    return guess == measured
