"""Whether Django is set up in this process, and the error that says what to do if not.

Both boot() and the instruments (query panel, compare, explain) need these; keeping them
here lets the instruments stay free of boot, so the kit's imports form a tree.
"""


class BootError(RuntimeError):
    """boot() cannot do what was asked in this process."""


def require_django() -> None:
    """Raise a BootError that says what to do when Django is not set up yet."""
    from django.apps import apps

    if not apps.ready:
        raise BootError(
            "Django is not set up yet: run `from demo_project.lab import boot` and "
            "`lab = boot()` first, then use lab.queries(), lab.compare() or lab.explain()."
        )
