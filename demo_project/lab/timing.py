"""The one printed form of a duration, which the repository's sanitize file rewrites."""

import time
from collections.abc import Callable
from typing import Any


def format_duration(seconds: float) -> str:
    """Return ``seconds`` as milliseconds with two decimals: ``"12.34 ms"``."""
    return f"{seconds * 1000:.2f} ms"


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``function`` and return its result and the seconds it took."""
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started
