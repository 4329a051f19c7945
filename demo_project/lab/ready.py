"""Whether Django is set up in this process, and the error that says what to do if not.

Both boot() and the instruments (query panel, compare, explain) need these; keeping them
here lets the instruments stay free of boot, so the kit's imports form a tree.

It is also the IPython extension that the workbook's kernels load at start (the profile
in ``ipython_kernel_config.py`` beside this file, which ``make install`` copies into
``var/ipython``): a cell that needs Django, run in a new or restarted kernel before the
setup cell, says so in one line instead of a page of Django's traceback. Loading it
imports ``demo_project``, as the setup cell's first line does.
"""

BEFORE_SETUP = (
    "Django is not set up in this kernel (a new or restarted kernel starts empty): "
    "run the setup cell at the top of the notebook, then this cell again."
)


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


def before_setup(error: BaseException) -> bool:
    """Whether ``error`` is what a cell raises when it runs before the setup cell.

    That is ``lab`` not defined yet, or Django's configuration errors ("Apps aren't loaded
    yet", "settings are not configured", a missing key) while Django is not set up.
    """
    from django.apps import apps
    from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured

    if isinstance(error, NameError):
        return error.name == "lab"  # what the setup cell defines
    return isinstance(error, AppRegistryNotReady | ImproperlyConfigured) and not apps.ready


def _one_line_before_setup(shell, etype, value, tb, tb_offset=None) -> None:
    """Show one line for a cell run before the setup cell, else the usual traceback."""
    if before_setup(value):
        shell._showtraceback(etype, value, [f"\x1b[0;31m{etype.__name__}\x1b[0m: {BEFORE_SETUP}"])
    else:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)


def load_ipython_extension(shell) -> None:
    """Answer a cell run before the setup cell with one line that says what to do."""
    from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured

    watched = (AppRegistryNotReady, ImproperlyConfigured, NameError)
    shell.set_custom_exc(watched, _one_line_before_setup)
