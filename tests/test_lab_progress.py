"""progress(): the exercises of one notebook, with the outcome of each one's own check."""

import pytest

from demo_project.catalog.models import Item
from demo_project.lab import checks


def rows_in_one_query():
    items = Item.objects.filter(is_active=True).select_related("category", "owner")
    return [(i.name, i.category.name, i.owner.username) for i in items.order_by("name", "id")]


def rows_n_plus_one():
    items = Item.objects.filter(is_active=True).order_by("name", "id")
    return [(i.name, i.category.name, i.owner.username) for i in items]


def stub():
    raise NotImplementedError()


@pytest.fixture
def outcomes(lab_kit, monkeypatch):
    monkeypatch.setattr(checks, "booted_lab", lambda: lab_kit)
    monkeypatch.setattr(checks, "_OUTCOMES", {})
    return checks._OUTCOMES


def test_progress_lists_the_lessons_exercises_each_with_its_last_outcome(outcomes):
    assert list(checks.progress("05").index) == ["5.1", "5.2", "5.3", "5.4"]
    with pytest.raises(checks.NotDone):
        checks.check("5.1", namespace={"active_item_rows": stub})
    assert checks.progress("05").loc["5.1", "status"] == "not done"
    with pytest.raises(checks.CheckFailed):
        checks.check("5.1", namespace={"active_item_rows": rows_n_plus_one})
    table = checks.progress("05")
    assert table.loc["5.1", "status"] == "wrong"
    assert "the budget is 1 query" in table.loc["5.1", "says"]
    checks.check("5.1", namespace={"active_item_rows": rows_in_one_query})
    table = checks.progress("05")
    assert table.loc["5.1", "status"] == "done"
    assert table.loc["5.2", "status"] == "not run"


def test_a_hidden_check_does_not_change_what_the_learner_sees(outcomes):
    with pytest.raises(checks.CheckFailed):
        checks.check("5.1", namespace={"active_item_rows": rows_n_plus_one}, hidden=True)
    assert checks.progress("05").loc["5.1", "status"] == "not run"
