"""`csm serve`: the terminal UI in a web browser, for people who do not live in a terminal.

textual-serve runs a web server whose page holds a terminal (xterm.js); every browser tab that
opens it starts a command of its own and talks to it over a websocket. That command is this
same csm (the same Python, `-m csm_tui`) with the global options typed before `serve` (`--db`,
`--as`, `--today`, `--config`, `--rules`; the environment's CSM_TUI_* reach it by themselves)
and `--open`, so every tab is a session of its own on the same book, as the same user.

There is no log-in: whoever reaches the port uses the book as that user. So the server
listens on 127.0.0.1 unless `--host` says otherwise, and then says so, loudly, on stderr.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import click

from csm_tui.cli import (
    main,
    open_screen_typed,
    pass_settings,
    with_known_user,
)
from csm_tui.errors import os_reason
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from ipaddress import IPv4Address, IPv6Address

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: The screen a browser tab opens on without `--open`: the manager's Friday view.
SERVED_SCREEN = "wrapup"


@dataclass(frozen=True)
class Served:
    """What `csm serve` runs: the command each browser tab starts, and where it listens."""

    command: str
    host: str
    port: int
    public_url: str


@main.command()
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="The address to listen on. Anything but this machine's own (127.0.0.1, ::1, "
    "localhost) lets other machines in, with no log-in: csm warns.",
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="The port to listen on.",
)
@click.option(
    "--public-url",
    metavar="URL",
    default=None,
    help="The address browsers open, when it is not http://HOST:PORT (a proxy in front, or "
    "--host 0.0.0.0): e.g. http://my-laptop.example.com:8000",
)
@pass_settings
def serve(settings: Settings, host: str, port: int, public_url: str | None) -> None:
    """The terminal UI in a web browser: each tab opened on the address it prints runs csm on
    this book, as the same user (--as). It opens on the weekly wrap-up (or the screen of
    `csm --open SCREEN serve`). Ctrl+C stops it.

    It listens on 127.0.0.1, this machine only, unless --host says otherwise: there is no
    log-in, so anyone who can reach the port can read and change the book as you.
    """
    ctx = click.get_current_context()
    served = Served(
        command=served_command(ctx, open_screen_typed(ctx) or SERVED_SCREEN),
        host=_checked_host(host),
        port=port,
        public_url=_public_url(host, port, public_url),
    )
    warning = exposure_warning(served, settings.user_email)
    if warning:
        click.echo(click.style(warning, fg="yellow", bold=True), err=True)
    check_port(served.host, served.port)
    with_known_user(settings, _check_book)
    click.echo(f"Serving csm on {served.public_url} : open it in a browser. Ctrl+C stops it.")
    run_server(served)


def served_command(ctx: click.Context, open_screen: str) -> str:
    """The shell command each browser tab runs (textual-serve starts it through the shell):
    this Python's csm with the global options typed on this command line, as they were
    understood, and `--open`. What came from the environment or the config file reaches the
    command by itself; so does the working folder, against which relative paths are read."""
    root = ctx.find_root()
    words = [sys.executable, "-m", "csm_tui"]
    for param in root.command.params:
        name = param.name
        if (
            not isinstance(param, click.Option)
            or name is None
            or name == "open_screen"
            or param.is_flag
            or param.is_eager
            or root.get_parameter_source(name) is not click.core.ParameterSource.COMMANDLINE
        ):
            continue
        value = root.params[name]
        if value is None:
            continue
        words += [param.opts[0], value.isoformat() if isinstance(value, date) else str(value)]
    words += ["--open", open_screen]
    # `exec`: the shell becomes csm, so that a tab is one process, which a signal reaches.
    return ("exec " if os.name == "posix" else "") + shlex.join(words)


def _checked_host(host: str) -> str:
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):  # [::1], as in a URL
        host = host[1:-1]
    if not host:
        raise click.BadParameter("name an address, e.g. 127.0.0.1", param_hint="'--host'")
    return host


def _addresses(host: str) -> list[IPv4Address | IPv6Address]:
    """The addresses `host` stands for: itself when it is one, else what the name resolves to
    (as the server will resolve it to listen)."""
    import ipaddress
    import socket

    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise click.BadParameter(
            f"{host!r} is no address, nor a name this machine can resolve; use an address "
            f"of this machine, e.g. {DEFAULT_HOST}",
            param_hint="'--host'",
        ) from None
    return [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in found]


def exposure_warning(served: Served, user_email: str | None) -> str | None:
    """What to tell the user when other machines can reach the server; None for this machine
    only (loopback addresses: 127.0.0.0/8, ::1, a name that resolves to them alone)."""
    addresses = _addresses(served.host)
    if all(address.is_loopback for address in addresses):
        return None
    where = (
        f"every address of this machine ({served.host})"
        if any(address.is_unspecified for address in addresses)
        else served.host
    )
    who = f"as {user_email}" if user_email else "with the whole team's view (no --as)"
    return (
        f"Warning: csm serve listens on {where}, port {served.port}: other machines can reach "
        f"it. There is no log-in: anyone who can reach {served.public_url} can read and change "
        f"this book {who}. Serve on {DEFAULT_HOST} (the default) unless everyone who can "
        f"reach that port may do so."
    )


def _public_url(host: str, port: int, public_url: str | None) -> str:
    """The address the page tells the browser to load its script and open its websocket at:
    `--public-url`, else http://HOST:PORT. An address that listens everywhere (0.0.0.0, ::)
    is none a browser can open: the user says which with --public-url."""
    import socket
    from urllib.parse import urlsplit

    if public_url is not None:
        parts = urlsplit(public_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter(
                f"{public_url!r} is not a web address: write it as http://NAME:PORT",
                param_hint="'--public-url'",
            )
        return public_url.strip().rstrip("/")
    host = _checked_host(host)
    addresses = _addresses(host)
    if any(address.is_unspecified for address in addresses):
        raise click.UsageError(
            f"--host {host} listens on every address of this machine, and the page must tell "
            f"browsers one to connect to: add --public-url http://NAME:{port} with a name or "
            f"address of this machine that they reach (e.g. http://{socket.gethostname()}:{port})"
        )
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def check_port(host: str, port: int) -> None:
    """Say now, in one line, if the server could not listen there (the port is taken, is
    below 1024 without the rights, or the address is not this machine's)."""
    import errno
    import socket

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, protocol, _name, address in found:
            with socket.socket(family, kind, protocol) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
    except OSError as error:
        where = f"{host}:{port}"
        if error.errno == errno.EADDRINUSE:
            reason = "the port is in use (another csm serve?): pick another --port"
        elif error.errno == errno.EACCES:
            reason = "ports below 1024 need administrator rights: pick --port 1024 or above"
        elif error.errno == errno.EADDRNOTAVAIL:
            reason = f"{host} is not an address of this machine"
        else:
            reason = os_reason(error)
        raise click.ClickException(f"cannot listen on {where}: {reason}") from None


def _check_book(settings: Settings) -> None:
    """Open the book once here, so that what would stop every tab (no such database, an
    `--as` nobody has, an old schema to upgrade) is said in this terminal, before serving."""
    from csm_tui.services.workspace import Workspace

    workspace = Workspace.open(settings)
    try:
        upgrade = workspace.upgrade
        if upgrade is not None and upgrade.from_revision is not None:
            click.echo(
                f"Upgraded the database schema to {upgrade.to_revision}; backup at "
                f"{upgrade.backup}",
                err=True,
            )
    finally:
        workspace.close()


def run_server(served: Served) -> None:
    """Serve until Ctrl+C (or SIGTERM); each browser tab gets its own `served.command`."""
    from csm_tui.web_server import CsmServer

    server = CsmServer(
        served.command, host=served.host, port=served.port, public_url=served.public_url
    )
    server.serve()
