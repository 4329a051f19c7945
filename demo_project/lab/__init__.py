"""The lab kit: what the notebooks call to boot Django, see queries, compare and explain.

    from demo_project.lab import boot
    lab = boot(items=100)

Everything else hangs off ``lab``: ``lab.client``, ``lab.queries()``, ``lab.compare(...)``,
``lab.explain(queryset)``. The kit imports nothing from Django at import time, so this
import works before Django is configured.
"""

from .boot import BootError, Lab, boot
from .timing import format_duration
from .waiting import wait_for

__all__ = ["BootError", "Lab", "boot", "format_duration", "wait_for"]
