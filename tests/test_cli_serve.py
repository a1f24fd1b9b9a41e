"""`csm --open SCREEN` and `csm serve` as a user types them, without starting a server: the
command each browser tab runs, where it listens, the warning when other machines can reach
it, and the clear errors for a bad host, port or public address. (`test_serve_browser.py`
serves for real, to a real browser.)"""

from __future__ import annotations

import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from csm_tui import cli, cli_serve
from csm_tui.cli_serve import Served, exposure_warning
from csm_tui.services.demo import DEMO_USER_EMAIL
from tests.conftest import TODAY
from tests.test_cli import csm

#: How each tab's command starts (the shell execs csm: one process per tab).
PYTHON_CSM = ["exec", sys.executable, "-m", "csm_tui"]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Served]:
    """What `csm serve` would serve, instead of serving it; no port is probed."""
    runs: list[Served] = []
    monkeypatch.setattr(cli_serve, "run_server", runs.append)
    monkeypatch.setattr(cli_serve, "check_port", lambda host, port: None)
    return runs


def _book(demo_db: Path) -> list[str]:
    return ["--db", str(demo_db), "--today", TODAY.isoformat(), "--as", DEMO_USER_EMAIL]


# -- --open ------------------------------------------------------------------------------------


def test_open_names_the_screen_the_tui_opens_on(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str | None] = []
    monkeypatch.setattr(cli, "run_tui", lambda settings, open_screen: opened.append(open_screen))
    assert csm("--open", "Escalations").exit_code == 0  # loosely typed, as every word
    assert csm().exit_code == 0
    assert opened == ["escalations", None]


def test_open_reaches_the_app_the_demo_opens(demo_db: Path, tui_started: list[Any]) -> None:
    result = csm("--db", str(demo_db), "--today", TODAY.isoformat(), "--open", "book", "demo")
    assert result.exit_code == 0, result.output
    [app] = tui_started
    assert app._open_screen == "book"


def test_an_unknown_screen_is_a_usage_error_that_names_the_screens() -> None:
    result = csm("--open", "inbox")
    assert result.exit_code == 2
    assert f"'inbox' is not one of {', '.join(cli.screen_names())}" in result.output


def test_open_with_a_command_that_opens_no_screen_is_a_usage_error() -> None:
    result = csm("--open", "book", "queue")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: --open is for the commands that open the terminal UI (csm, csm demo, "
        "csm serve), not for `csm queue`"
    )


def test_open_after_serve_says_where_it_goes() -> None:
    result = csm("serve", "--open", "book")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: --open is a global option: put it before the command, e.g. csm --open book serve"
    )


# -- the command each browser tab runs ---------------------------------------------------------


def test_each_tab_runs_this_csm_with_the_global_options_typed(
    demo_db: Path, tmp_path: Path, served: list[Served]
) -> None:
    config = tmp_path / "my config.toml"
    config.write_text("")
    rules = tmp_path / "rules.toml"
    rules.write_text("")
    result = csm(*_book(demo_db), "--config", str(config), "--rules", str(rules), "serve")
    assert result.exit_code == 0, result.output
    assert result.output == "Serving csm on http://127.0.0.1:8000 : open it in a browser. " + (
        "Ctrl+C stops it.\n"
    )
    [run] = served
    assert (run.host, run.port, run.public_url) == ("127.0.0.1", 8000, "http://127.0.0.1:8000")
    assert shlex.split(run.command) == [
        *PYTHON_CSM,
        *_book(demo_db),
        "--config",
        str(config),
        "--rules",
        str(rules),
        "--open",
        "wrapup",
    ]


def test_what_the_environment_says_reaches_the_tab_by_itself(
    demo_db: Path, served: list[Served]
) -> None:
    result = csm(
        "--open",
        "escalations",
        "serve",
        "--port",
        "8123",
        env={"CSM_TUI_DATABASE_URL": str(demo_db), "CSM_TUI_AS": DEMO_USER_EMAIL},
    )
    assert result.exit_code == 0, result.output
    [run] = served
    assert shlex.split(run.command) == [*PYTHON_CSM, "--open", "escalations"]
    assert run.public_url == "http://127.0.0.1:8123"


def test_an_unknown_user_is_said_before_serving(demo_db: Path, served: list[Served]) -> None:
    result = csm("--db", str(demo_db), "--as", "nobody@example.com", "serve")
    assert result.exit_code == 1
    assert "nobody in the team has the e-mail nobody@example.com" in result.output
    assert served == []


# -- where it listens --------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_this_machine_only_is_served_without_a_warning(
    demo_db: Path, served: list[Served], host: str
) -> None:
    result = csm(*_book(demo_db), "serve", "--host", host)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    [run] = served
    assert run.public_url == (
        "http://[::1]:8000" if "::1" in host else f"http://{host.strip('[]')}:8000"
    )


def test_every_address_warns_that_anyone_can_use_the_book_as_you(
    demo_db: Path, served: list[Served]
) -> None:
    result = csm(
        *_book(demo_db),
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8080",
        "--public-url",
        "http://csm-laptop.example.com:8080/",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "Warning: csm serve listens on every address of this machine (0.0.0.0), port 8080: "
        "other machines can reach it. There is no log-in: anyone who can reach "
        f"http://csm-laptop.example.com:8080 can read and change this book as {DEMO_USER_EMAIL}. "
        "Serve on 127.0.0.1 (the default) unless everyone who can reach that port may do so."
    )
    [run] = served
    assert (run.host, run.public_url) == ("0.0.0.0", "http://csm-laptop.example.com:8080")


def test_the_warning_without_an_identity_says_the_whole_team_is_shown() -> None:
    served = Served(command="csm", host="10.1.2.3", port=8000, public_url="http://10.1.2.3:8000")
    warning = exposure_warning(served, None)
    assert warning is not None
    assert "listens on 10.1.2.3, port 8000" in warning
    assert "this book with the whole team's view (no --as)" in warning


def test_every_address_without_a_public_url_is_a_usage_error(
    demo_db: Path, served: list[Served]
) -> None:
    result = csm(*_book(demo_db), "serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: --host 0.0.0.0 listens on every address of this machine, and the page must "
        "tell browsers one to connect to: add --public-url http://NAME:8000 with a name or "
        f"address of this machine that they reach (e.g. http://{socket.gethostname()}:8000)"
    )
    assert served == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--port", "0"], "Invalid value for '--port': 0 is not in the range 1<=x<=65535."),
        (
            ["--port", "70000"],
            "Invalid value for '--port': 70000 is not in the range 1<=x<=65535.",
        ),
        (["--port", "http"], "Invalid value for '--port': 'http' is not a valid integer range."),
        (["--host", " "], "Invalid value for '--host': name an address, e.g. 127.0.0.1"),
        (
            ["--public-url", "csm-laptop:8000"],
            "Invalid value for '--public-url': 'csm-laptop:8000' is not a web address: "
            "write it as http://NAME:PORT",
        ),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(
    demo_db: Path, served: list[Served], args: list[str], error: str
) -> None:
    result = csm(*_book(demo_db), "serve", *args)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {error}"
    assert served == []


def test_a_host_no_name_resolves_to_is_a_usage_error(
    demo_db: Path, served: list[Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unknown(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)  # no resolver is asked
    result = csm(*_book(demo_db), "serve", "--host", "csm-laptop.invalid")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--host': 'csm-laptop.invalid' is no address, nor a name "
        "this machine can resolve; use an address of this machine, e.g. 127.0.0.1"
    )


def test_a_port_in_use_is_said_in_one_line(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[Served] = []
    monkeypatch.setattr(cli_serve, "run_server", runs.append)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = csm(*_book(demo_db), "serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: cannot listen on 127.0.0.1:{port}: the port is in use (another csm serve?): "
        "pick another --port"
    )
    assert runs == []


def test_a_free_port_passes_the_check() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli_serve.check_port("127.0.0.1", port)  # no error


def test_serve_has_useful_help() -> None:
    result = csm("serve", "--help")
    assert result.exit_code == 0
    assert "--host TEXT" in result.output and "[default: 127.0.0.1]" in result.output
    assert "no log-in" in result.output
