"""A real headless browser for the tests: Debian's Chromium, driven over the Chrome DevTools
Protocol (CDP) with aiohttp's websocket client (aiohttp comes with textual-serve), so that
nothing is downloaded at test time and no driver has to match the browser's version.

Chromium listens for CDP on a port it picks itself (`--remote-debugging-port=0`) and writes it
in `DevToolsActivePort` in its profile folder; the test talks to the page's target. The
profile is a temporary folder, deleted with the browser.

The page textual-serve serves draws its terminal (xterm.js) in a WebGL canvas: there is no text
in the DOM to read. `TERMINAL_HOOK` runs before the page's own scripts and keeps the xterm.js
`Terminal` the page creates (its script assigns it to a `terminal` property), so that
`screen_text` can read the rows of its buffer: what a person sees, as text.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

#: Chromium's names on Debian (`chromium`) and elsewhere.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Runs in the page before its scripts: the first object given a `terminal` property that looks
#: like an xterm.js Terminal (it has a `buffer`) is kept as `window.__csmTerminal`. The property
#: is then made an ordinary own property of that object, as the assignment would have made it.
TERMINAL_HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && !window.__csmTerminal) window.__csmTerminal = value;
  },
});
"""

#: The terminal's rows as text (null while the page has no terminal yet).
SCREEN_TEXT = """
(() => {
  const terminal = window.__csmTerminal;
  if (!terminal) return null;
  const buffer = terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()
"""


class BrowserError(Exception):
    pass


def find_browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


class HeadlessBrowser:
    """`async with HeadlessBrowser(path) as page:` a headless Chromium with one page, closed
    (and its profile deleted) on the way out however the block ends."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 800) -> None:
        self.executable = executable
        self.size = (width, height)
        self._process: subprocess.Popen[bytes] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._hooked = False

    async def __aenter__(self) -> HeadlessBrowser:
        self._profile = tempfile.TemporaryDirectory(prefix="csm-browser-")
        profile = Path(self._profile.name)
        width, height = self.size
        self._process = subprocess.Popen(
            [
                self.executable,
                "--headless",
                "--no-sandbox",  # tests run as root on CI, where the sandbox cannot start
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                # The terminal draws with WebGL: in software, with no GPU to ask.
                "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = await self._debugging_port(profile / "DevToolsActivePort")
            self._session = aiohttp.ClientSession()
            async with self._session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page = next(target for target in targets if target.get("type") == "page")
            self._socket = await self._session.ws_connect(
                page["webSocketDebuggerUrl"], max_msg_size=0
            )
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _debugging_port(self, active_port: Path, timeout: float = 15) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise BrowserError(f"{self.executable} exited with {self._process.returncode}")
            try:
                first = active_port.read_text().splitlines()[0]
                return int(first)
            except (FileNotFoundError, IndexError, ValueError):
                await asyncio.sleep(0.05)
        raise BrowserError(f"{self.executable} opened no DevTools port in {timeout} s")

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One CDP command; its result (the events that arrive meanwhile are let go)."""
        assert self._socket is not None
        number = next(self._ids)
        await self._socket.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self._socket.receive(timeout=10)
            if message.type is not aiohttp.WSMsgType.TEXT:
                raise BrowserError(f"the browser closed the DevTools connection ({message.type})")
            answer = json.loads(message.data)
            if answer.get("id") != number:
                continue
            if "error" in answer:
                raise BrowserError(f"{method}: {answer['error']}")
            result: dict[str, Any] = answer.get("result", {})
            return result

    async def open(self, url: str) -> None:
        """Load `url` in the page, with `TERMINAL_HOOK` run before its scripts."""
        if not self._hooked:
            await self.send("Page.enable")  # without it, the script is not run on navigation
            await self.send("Page.addScriptToEvaluateOnNewDocument", source=TERMINAL_HOOK)
            self._hooked = True
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screen_text(self) -> str | None:
        """The terminal's rows, as text; None until the page has made its terminal."""
        text: str | None = await self.evaluate(SCREEN_TEXT)
        return text

    async def wait_for_screen(
        self, *wanted: str, any_of: Sequence[str] = (), timeout: float = 10
    ) -> str:
        """The terminal's text once it shows every one of `wanted` and, if `any_of` names
        some, one of them; a BrowserError with what it showed if not within `timeout` s."""
        deadline = time.monotonic() + timeout
        text: str | None = None
        while time.monotonic() < deadline:
            text = await self.screen_text()
            if (
                text is not None
                and all(word in text for word in wanted)
                and (not any_of or any(word in text for word in any_of))
            ):
                return text
            await asyncio.sleep(0.1)
        missing = f"{wanted}" + (f" and one of {list(any_of)[:5]}..." if any_of else "")
        raise BrowserError(
            f"the terminal did not show {missing} in {timeout} s; it showed:\n{text}"
        )

    async def press(self, key: str) -> None:
        """Type one printable key into the terminal (given the focus first, as a click would)."""
        await self.evaluate("window.__csmTerminal.focus()")
        await self.send("Input.dispatchKeyEvent", type="keyDown", key=key, text=key)
        await self.send("Input.dispatchKeyEvent", type="keyUp", key=key)

    async def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(TimeoutError, BrowserError, aiohttp.ClientError):
                await self.send("Browser.close")  # the connection may end before it answers
            await self._socket.close()
            self._socket = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None


def chromium_or_skip() -> str:
    """The browser's path, or a skipped test that says how to install it (on CI, a failure:
    .ci/run installs it)."""
    import pytest

    found = find_browser()
    if found is None:
        reason = "no Chromium to test in a real browser: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required on CI (.ci/run installs it): {reason}")
        pytest.skip(reason)
    return found
