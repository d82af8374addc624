"""What `briefbot run` starts and stops: each adapter, the scheduler, the feed poller and the
HTTP server is a `Component`; the composition root starts them in order and stops them in
reverse on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

from typing import Protocol


class Component(Protocol):
    """A long-running part of the process. `start` returns once it is running (it does not block)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
