"""`csm serve` in a real headless browser (Debian's Chromium, `tests/browser.py`): the page
loads, its terminal connects, and it shows the screen `csm serve` opens on; a key typed in the
page reaches the app (`b`: the book of business), which shows the book of the user of `--as` on
the day of `--today` (the global options reach each tab's csm).

The server is `csm serve` itself, run as a user runs it, on a free port of 127.0.0.1; each
tab's csm is its child, and nothing of either outlives the test."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from csm_tui.cli_serve import SERVED_SCREEN
from csm_tui.services.demo import DEMO_USER_EMAIL
from tests.browser import HeadlessBrowser, chromium_or_skip
from tests.conftest import TODAY

#: How long the server may take to listen, and the page to show a screen (each well above
#: what they take: about 1 s and 2 s).
START_SECONDS = 20
SCREEN_SECONDS = 15


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux: /proc), [] where that cannot be read."""
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Still running: a zombie (exited, not yet reaped by whoever adopted it) is not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


class _Served:
    def __init__(self, process: subprocess.Popen[bytes], log: Path, url: str) -> None:
        self.process = process
        self.log = log
        self.url = url

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
def served(demo_db: Path, tmp_path: Path) -> Iterator[_Served]:
    """`csm serve` on a copy of the demo book, stopped with Ctrl+C (SIGINT) at the end."""
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "csm_tui",
                "--db",
                str(demo_db),
                "--today",
                TODAY.isoformat(),
                "--as",
                DEMO_USER_EMAIL,
                "serve",
                "--port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},  # the server's log lines unwrapped
        )
    try:
        yield _Served(process, log, f"http://127.0.0.1:{port}/")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _wait_listening(served: _Served) -> None:
    deadline = time.monotonic() + START_SECONDS
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if served.process.poll() is not None:
                pytest.fail(
                    f"csm serve exited with {served.process.returncode}:\n{served.output()}"
                )
            try:
                async with session.get(served.url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"csm serve did not listen in {START_SECONDS} s:\n{served.output()}")


def _maya(demo_db: Path) -> tuple[str, list[str]]:
    """The demo user's name and the names of her accounts."""
    with sqlite3.connect(demo_db) as connection:
        (member_id, name) = connection.execute(
            "SELECT id, name FROM team_member WHERE email = ?", (DEMO_USER_EMAIL,)
        ).fetchone()
        accounts = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM account WHERE owner_id = ? AND deleted_at IS NULL", (member_id,)
            )
        ]
    connection.close()
    return name, accounts


async def _ended(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return not any(_running(pid) for pid in pids)


async def test_a_browser_shows_csm_served_on_the_demo_book(
    chromium: str, served: _Served, demo_db: Path
) -> None:
    name, accounts = _maya(demo_db)
    opened = importlib.import_module(f"csm_tui.screens.{SERVED_SCREEN}").SCREEN
    await _wait_listening(served)
    async with HeadlessBrowser(chromium) as page:
        await page.open(served.url)
        # The screen `csm serve` opens on: the weekly wrap-up.
        await page.wait_for_screen(opened.NAME, timeout=SCREEN_SECONDS)
        assert await page.evaluate("document.body.classList.contains('-first-byte')")
        first_tab = _children(served.process.pid)
        assert first_tab, "the page's csm runs as a child of csm serve"
        # A key typed in the page reaches the app: `b` opens the book of business. Hers
        # (--as), on the day of --today; its rows arrive after its first paint (a worker
        # reads them): one of her accounts.
        await page.press("b")
        await page.wait_for_screen(
            f"Book of business — {name}",
            f"{TODAY:%a %d %b %Y}",
            any_of=[account[:14] for account in accounts],
            timeout=SCREEN_SECONDS,
        )
        # The page loaded again: the csm of the first load ends, and one of its own starts.
        await page.send("Page.reload")
        assert await _ended(first_tab), "the csm of a page loaded again still runs"
        await page.wait_for_screen(opened.NAME, timeout=SCREEN_SECONDS)
        second_tab = _children(served.process.pid)
        assert second_tab and not set(second_tab) & set(first_tab)
        # Ctrl+C with the page open: the server ends the session at once, and its csm.
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=10) == 0, served.output()
        assert await _ended(second_tab), "a tab's csm outlived csm serve"
        assert await page.evaluate("document.body.classList.contains('-closed')")
    assert "Traceback" not in served.output(), served.output()
