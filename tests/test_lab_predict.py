"""lab.reveal: the predict-then-measure comparison the lessons use."""

import pytest

from demo_project.lab.predict import reveal


def test_reveal_without_a_guess_says_none_was_written_and_shows_the_measurement(capsys):
    reveal(None, 3, what="queries", look_at="the panel")
    out = capsys.readouterr().out
    assert "Measured queries: 3." in out
    assert "No prediction written" in out


def test_reveal_without_a_guess_prints_lines_narrower_than_a_notebook(capsys):
    reveal(None, 3, what="queries for one page", look_at="the panel")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Measured queries for one page: 3."
    assert all(len(line) <= 90 for line in lines), lines


def test_reveal_a_right_guess_is_ticked(capsys):
    reveal(3, 3, what="queries", look_at="the panel")
    assert capsys.readouterr().out.startswith("✓ You predicted 3")


def test_reveal_a_wrong_guess_says_where_to_look(capsys):
    reveal(51, 3, what="queries", look_at="the repeated rows")
    out = capsys.readouterr().out
    assert out.startswith("✗ You predicted 51")
    assert "Look at: the repeated rows" in out


@pytest.mark.parametrize(
    ("guess", "measured", "tolerance", "matched"),
    [
        (10, 11, 0.1, True),
        (10, 12, 0.1, False),
        ("Index Scan", "index  scan", 0, True),
        (True, 1, 0, False),
        (2.0, 2, 0, True),
    ],
)
def test_reveal_compares_numbers_within_the_tolerance_and_text_loosely(
    guess, measured, tolerance, matched, capsys
):
    reveal(guess, measured, what="x", look_at="y", tolerance=tolerance)
    assert capsys.readouterr().out.startswith("✓" if matched else "✗")
