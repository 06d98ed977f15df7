"""Polling of AWS's asynchronous steps (account creation, assignments, provisioning), with a timeout."""

from __future__ import annotations

import time
from collections.abc import Callable

from .port import AsyncStatus, AwsError, AwsTimeout


def wait_for(start: AsyncStatus, poll: Callable[[str], AsyncStatus], what: str, timeout: float = 300.0,
             interval: float = 1.0, max_interval: float = 10.0,
             clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> AsyncStatus:
    """Poll ``poll(request_id)`` until the step leaves IN_PROGRESS; raise on FAILED or after ``timeout`` s."""
    status = start
    deadline = clock() + timeout
    delay = interval
    while status.state == "IN_PROGRESS":
        remaining = deadline - clock()
        if remaining <= 0:
            raise AwsTimeout(what, timeout)
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_interval)
        status = poll(status.request_id)
    if status.state == "FAILED":
        raise AwsError("AsyncStepFailed", f"{what} failed: {status.failure_reason or 'AWS gave no reason'}", "poll")
    return status
