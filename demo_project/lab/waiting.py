"""wait_for(): poll until a background effect shows, so one cell holds on both lanes.

Tasks run eagerly on the embedded default, and on a Celery worker when a broker is set:
a cell that checks a task's effect waits for it instead of assuming it is already there.
"""

import time
from collections.abc import Callable


def wait_for(
    condition: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.05
) -> object:
    """Return ``condition()`` as soon as it is truthy; raise TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"Still false after {timeout:g} s. If tasks run on a Celery worker, check that "
                "it is running (scripts/services.sh start) and reads the same DATABASE_URL."
            )
        time.sleep(interval)
