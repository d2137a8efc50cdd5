"""A warm kaleido browser: one Chromium per process, kept open between renders, bounded and recycled.

Why: starting Chromium and loading plotly.js into its tabs costs a few
seconds of both cores, more than drawing a briefing. Kept open, a briefing
PNG renders in about a second, and a playback's frames share one browser.

How it stays safe
    * One per process (one per gunicorn worker): a fork drops the parent's
      handle in the child (:func:`os.register_at_fork`); the child opens its own.
    * Serialised: callers hold :data:`dashboard.export.render._render_lock`,
      so one batch at a time uses it. kaleido's own sync server is not
      thread-safe, so it is not used: the session lives on one event loop in
      one helper thread, and callers hand it coroutines.
    * Bounded: recycled (closed, then opened afresh on the next render) after
      :data:`MAX_RENDERS` figures or :data:`MAX_AGE` seconds, after any error
      or timeout (its Chromium killed), and closed when idle for
      :data:`IDLE_CLOSE` seconds and when the process exits.
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

#: Figures one browser renders before it is replaced (keeps Chromium's memory from creeping up).
MAX_RENDERS = 300
#: Seconds one browser lives at most.
MAX_AGE = 1800.0
#: Seconds without a render after which the browser is closed (it holds a few hundred MB).
IDLE_CLOSE = 600.0
#: Tabs of one browser: frames render in parallel, one per core.
TABS = 2
#: PNG renders a tab makes between reloads (plotly purges each plot; a reload re-parses plotly.js, ~20 %
#: of a frame's CPU). After a PDF (printed from the page itself) a tab is always reloaded.
RELOAD_EVERY = 20


class WarmBrowser:
    """One kaleido session on its own event loop and thread; use only under the render lock."""

    def __init__(self, chromium: str, options: dict[str, Any], tabs: int = TABS):
        self.chromium, self.options, self.tabs = chromium, options, tabs
        self.pid = os.getpid()
        self.session: Any = None
        self.renders = 0
        self.opened_at = 0.0
        self.last_used = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="warm-render", daemon=True)
        self._thread.start()
        self._idle: asyncio.TimerHandle | None = None
        self._returns: set[asyncio.Task] = set()
        self._broken = False
        self._png = False  # the batch running renders PNGs only
        self._uses: dict[int, int] = {}  # PNG renders per tab since its last reload
        self._scales: dict[int, float] = {}  # device scale set on each tab since its last reload

    @property
    def is_open(self) -> bool:
        return self.session is not None

    def _stale(self) -> bool:
        return (self._broken or self.renders >= MAX_RENDERS or time.monotonic() - self.opened_at > MAX_AGE
                or getattr(getattr(self.session, "subprocess", None), "poll", lambda: None)() is not None)

    def run(self, figures: Sequence[dict], opts: dict, device_scale: float, document_title: str,
            timeout: float, on_done: Callable[[int], None] | None = None) -> list[bytes]:
        """Render ``figures`` (plain dicts) with ``opts``; the images in order.

        Opens the browser if needed (the time counts in ``timeout``). Raises
        what kaleido raises, or :class:`TimeoutError`; either way the browser
        is killed and the next call opens a fresh one. ``on_done(i)`` is
        called (on the loop's thread) as figure ``i`` finishes.
        """
        future = self.submit(figures, opts, device_scale, document_title, timeout, on_done)
        return self.wait(future, timeout)

    def submit(self, figures: Sequence[dict], opts: dict, device_scale: float, document_title: str,
               timeout: float, on_done: Callable[[int], None] | None = None
               ) -> concurrent.futures.Future[list[bytes]]:
        """Start rendering ``figures`` and return at once (the caller may build the next ones meanwhile)."""
        if self.session is not None and self._stale():
            self.close()
        return asyncio.run_coroutine_threadsafe(
            self._batch(list(figures), opts, device_scale, document_title, timeout, on_done), self._loop)

    def wait(self, future: concurrent.futures.Future[list[bytes]], timeout: float) -> list[bytes]:
        """The images of a :meth:`submit`; on any failure the browser is killed, then the error raised."""
        try:
            return future.result(timeout + 30)
        except BaseException:
            future.cancel()
            self.kill()
            raise

    async def _open(self) -> None:
        import kaleido  # imported here: the dashboard runs (and the camera button works) without it

        session = kaleido.Kaleido(path=self.chromium, n=self.tabs, timeout=None, **self.options)
        self.session = session  # kept before open() so that a failed start is still killed
        await session.open()
        self.renders, self.opened_at, self._broken = 0, time.monotonic(), False
        self._uses, self._scales = {}, {}
        # kaleido reloads a tab after each render before handing the image back; let the image go at
        # once and the reload run meanwhile (the next render waits for a reloaded tab anyway).
        reload_then_return = session._return_kaleido_tab

        async def return_later(tab: Any) -> None:
            uses = self._uses.get(id(tab), 0) + 1
            if self._png and uses < RELOAD_EVERY:
                self._uses[id(tab)] = uses
                await session.tabs_ready.put(tab)
                return
            self._uses[id(tab)] = 0
            self._scales.pop(id(tab), None)
            task = asyncio.get_running_loop().create_task(reload_then_return(tab))
            self._returns.add(task)
            task.add_done_callback(lambda done: self._returned(done, session))

        session._return_kaleido_tab = return_later

    def _returned(self, task: asyncio.Task, session: Any) -> None:
        self._returns.discard(task)
        if not task.cancelled() and task.exception() is not None and session is self.session:
            log.warning("reloading a render tab failed (%s); the browser will be replaced", task.exception())
            self._broken = True

    async def _batch(self, figures: list[dict], opts: dict, device_scale: float, document_title: str,
                     timeout: float, on_done: Callable[[int], None] | None) -> list[bytes]:
        if self._idle is not None:
            self._idle.cancel()
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                if self._returns:  # tabs still reloading after the last render
                    await asyncio.gather(*list(self._returns), return_exceptions=True)
                if self.session is None or self._broken:
                    await self._close_session()
                    await self._open()
                self._png = opts.get("format") == "png"
                for tab in list(self.session.tabs.values()):
                    # Sent only when it changes (a round trip per tab and batch was a tenth of a warm PNG).
                    if self._scales.get(id(tab)) != device_scale:
                        await tab.send_command("Emulation.setDeviceMetricsOverride", params={
                            "width": 0, "height": 0, "deviceScaleFactor": device_scale, "mobile": False})
                        self._scales[id(tab)] = device_scale
                    if not self._png:  # becomes the PDF's Title (a tab is reloaded after each PDF)
                        await tab.send_command("Runtime.evaluate", params={
                            "expression": f"document.title = {json.dumps(document_title)}"})

                async def one(i: int, figure: dict) -> bytes:
                    data = await self.session.calc_fig(figure, opts=opts)
                    self.renders += 1
                    if on_done is not None:
                        on_done(i)
                    return data

                images = await asyncio.gather(*(one(i, f) for i, f in enumerate(figures)))
        except Exception:
            if deadline.expired():  # choreographer turns the cancellation into its own errors
                raise TimeoutError() from None
            raise
        self.last_used = time.monotonic()
        self._idle = self._loop.call_later(IDLE_CLOSE, self._close_if_idle)
        return list(images)

    def _close_if_idle(self) -> None:
        from dashboard.export.render import _render_lock  # here: render imports this module

        if _render_lock.acquire(blocking=False):  # a render in progress keeps its browser
            try:
                if time.monotonic() - self.last_used >= IDLE_CLOSE * 0.99:
                    self._loop.create_task(self._close_session())
            finally:
                _render_lock.release()

    async def _close_session(self) -> None:
        from dashboard.export.render import _close

        session, self.session = self.session, None
        if session is not None:
            await _close(session, kill_first=False)

    def close(self) -> None:
        """Close the browser politely (killing it if that fails); the next render opens a new one."""
        if self.session is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._close_session(), self._loop)
        try:
            future.result(30)
        except BaseException as exc:  # best effort: kill it
            log.warning("closing the warm render browser failed: %s", exc)
            self.kill()

    def kill(self) -> None:
        """Kill the browser at once (after an error or a timeout); the next render opens a new one."""
        from dashboard.export.render import _kill_browser, _remove_folders

        session, self.session = self.session, None
        if session is not None:
            _kill_browser(session)
            _remove_folders(session)

    def stop(self) -> None:
        """Close the browser and end the loop's thread."""
        self.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


_warm: WarmBrowser | None = None


def warm_browser(chromium: str, options: dict[str, Any]) -> WarmBrowser:
    """The process's warm browser for ``chromium`` (created on first use; call under the render lock)."""
    global _warm
    if _warm is not None and (_warm.pid != os.getpid() or _warm.chromium != chromium
                              or _warm.options != options or not _warm._thread.is_alive()):
        if _warm.pid == os.getpid():
            _warm.stop()
        _warm = None
    if _warm is None:
        _warm = WarmBrowser(chromium, options)
    return _warm


def current() -> WarmBrowser | None:
    """The warm browser of this process, if one was made (for tests and the bench)."""
    return _warm if _warm is not None and _warm.pid == os.getpid() else None


def shutdown() -> None:
    """Close this process's warm browser (at exit, and for a cold measurement)."""
    global _warm
    warm, _warm = current(), None
    if warm is not None:
        warm.stop()


def _forget_after_fork() -> None:
    global _warm
    _warm = None  # the parent's browser and loop thread are not ours; never touch them


atexit.register(shutdown)
os.register_at_fork(after_in_child=_forget_after_fork)
