"""The web server behind `csm serve`: textual-serve's, so that Ctrl+C ends it at once.

textual-serve (1.1.3, pinned) starts a command per browser tab and stops it when the tab's
websocket closes. Two things it leaves to its user are done here:

- On Ctrl+C (or SIGTERM) with tabs open, aiohttp would wait for their websockets to close by
  themselves (over 20 s) before stopping: the server closes them at once instead, and each
  tab's csm quits as when its tab is closed.
- A tab's csm is waited for after it quits, so that the event loop has heard of its end before
  it closes (else Python prints a traceback from the subprocess's transport on the way out).

Imported when `csm serve` runs: nothing else needs aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("textual-serve")

#: How long a tab's csm has to quit once asked, before it is killed.
QUIT_SECONDS = 5


class Tab(AppService):
    """One browser tab's csm: stopped, it is also waited for (killed if it will not quit)."""

    async def stop(self) -> None:
        await super().stop()
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(process.wait(), QUIT_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


class CsmServer(Server):
    def __init__(self, command: str, *, host: str, port: int, public_url: str) -> None:
        super().__init__(command, host=host, port=port, title="csm", public_url=public_url)
        #: Each open tab's websocket, and the task that serves it.
        self._tabs: dict[web.WebSocketResponse, asyncio.Task[object]] = {}

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: `csm serve` has said where it serves (textual-serve prints its logo)."""

    async def on_shutdown(self, app: web.Application) -> None:
        """End every open tab before the server stops: its websocket is closed (the page says
        the session ended), and its csm quits as for a tab the user closed."""
        tabs = dict(self._tabs)
        await asyncio.gather(
            *(websocket.close(code=WSCloseCode.GOING_AWAY) for websocket in tabs),
            return_exceptions=True,
        )
        await asyncio.gather(*tabs.values(), return_exceptions=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve 1.1.3's, with the tab's csm a `Tab` and its handler known to
        `on_shutdown`."""
        task = asyncio.current_task()
        assert task is not None
        websocket = web.WebSocketResponse(heartbeat=15)
        self._tabs[websocket] = task
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        tab: Tab | None = None

        async def close() -> None:
            await websocket.close()

        try:
            await websocket.prepare(request)
            tab = Tab(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await tab.start(width, height)
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if tab is not None:
                await tab.stop()
            del self._tabs[websocket]
        return websocket
