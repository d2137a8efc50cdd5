"""The render lock: one render at a time, granted first come, first served.

Why first come, first served: a playback renders its frames a pair at a
time and, between two pairs, lets go of the lock if an export is waiting,
then asks for it again. With a plain :class:`threading.Lock` the playback
would usually win it straight back (the waiting thread is not even awake
yet), and a briefing PNG asked for meanwhile would wait for the whole
playback. Here every ``acquire`` takes a ticket and the lock goes to the
oldest ticket, so the briefing renders between two pairs of frames.
"""
from __future__ import annotations

import threading
import time
from types import TracebackType


class FairLock:
    """A non-reentrant lock granted in the order it was asked for; :attr:`waiting` says who waits."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next = 0  # the next ticket handed out
        self._serving = 0  # the ticket whose turn it is
        self._held = False
        self._abandoned: set[int] = set()  # tickets whose holder stopped waiting

    @property
    def waiting(self) -> int:
        """Threads waiting for the lock now."""
        with self._cond:
            return self._next - self._serving - int(self._held) - len(self._abandoned)

    def locked(self) -> bool:
        with self._cond:
            return self._held

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock when every earlier caller has had it; ``False`` if not within ``timeout`` s."""
        with self._cond:
            if not blocking and (self._held or self._next != self._serving):
                return False
            ticket = self._next
            self._next += 1
            deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
            while self._held or self._serving != ticket:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._abandoned.add(ticket)
                    self._skip_abandoned()
                    self._cond.notify_all()
                    return False
                self._cond.wait(left)
            self._held = True
            return True

    def release(self) -> None:
        with self._cond:
            if not self._held:
                raise RuntimeError("release of an unheld render lock")
            self._held = False
            self._serving += 1
            self._skip_abandoned()
            self._cond.notify_all()

    def _skip_abandoned(self) -> None:
        while not self._held and self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
