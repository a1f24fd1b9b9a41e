"""The layers of csm_tui import only downwards: domain <- store <- services <- the UI (app,
commands, screens, widgets).

Read with `ast`, not by importing, so a violation is found even in code no test runs. Every
failure lists the module, the line and what it imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "src" / "csm_tui"

UI = ("csm_tui.app", "csm_tui.commands", "csm_tui.messages", "csm_tui.screens", "csm_tui.widgets")
FRAMEWORKS = ("sqlalchemy", "sqlmodel", "textual", "alembic", "click")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports, dotted: "sqlalchemy.select", "csm_tui.store.database"
    line: int
    in_function: bool  # imported lazily inside a function body

    def __str__(self) -> str:
        where = " (inside a function)" if self.in_function else ""
        return f"{self.module} line {self.line} imports {self.target}{where}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name behind a possibly relative `from ... import`."""
    if level == 0:
        return name or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.is_package = is_package
        self.depth = 0
        self.found: list[Import] = []

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def _add(self, target: str, node: ast.stmt) -> None:
        self.found.append(Import(self.module, target, node.lineno, self.depth > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _resolve(self.module, self.is_package, node.level, node.module)
        for alias in node.names:
            # `from csm_tui import paths` imports the module csm_tui.paths: keep the full name.
            self._add(f"{source}.{alias.name}", node)


def _collect(
    source: str, module: str, *, is_package: bool, filename: str = "<test>"
) -> list[Import]:
    collector = _Collector(module, is_package)
    collector.visit(ast.parse(source, filename=filename))
    return collector.found


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        found += _collect(
            path.read_text(),
            _module_name(path),
            is_package=path.name == "__init__.py",
            filename=str(path),
        )
    return found


ALL_IMPORTS = _all_imports()


def _under(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _in_layer(*prefixes: str) -> Iterator[Import]:
    return (item for item in ALL_IMPORTS if _under(item.module, *prefixes))


def _report(violations: list[Import], rule: str) -> str:
    return f"{rule}:\n" + "\n".join(f"  {item}" for item in violations)


def test_the_walker_reads_every_kind_of_import() -> None:
    # Guards the rules below against passing because the walker missed something.
    source = (
        "import textual.app\n"
        "from . import queries\n"
        "from ..domain.enums import Role\n"
        "class Screen:\n"
        "    from sqlalchemy import select\n"
        "def run():\n"
        "    from csm_tui.app import make_app\n"
    )
    found = _collect(source, "csm_tui.store.backup", is_package=False)
    assert [(item.target, item.line, item.in_function) for item in found] == [
        ("textual.app", 1, False),
        ("csm_tui.store.queries", 2, False),
        ("csm_tui.domain.enums.Role", 3, False),
        ("sqlalchemy.select", 5, False),
        ("csm_tui.app.make_app", 7, True),
    ]
    assert str(found[-1]) == (
        "csm_tui.store.backup line 7 imports csm_tui.app.make_app (inside a function)"
    )


def test_the_walker_sees_the_whole_package() -> None:
    modules = {item.module for item in ALL_IMPORTS}
    assert {"csm_tui.models", "csm_tui.store.database", "csm_tui.domain.book"} <= modules


def test_domain_depends_on_nothing_but_itself_and_the_standard_library() -> None:
    violations = [
        item
        for item in _in_layer("csm_tui.domain")
        if (_under(item.target, "csm_tui") and not _under(item.target, "csm_tui.domain"))
        or _under(item.target, *FRAMEWORKS)
    ]
    assert not violations, _report(
        violations, "csm_tui.domain must stay pure (no other csm_tui package, no frameworks)"
    )


def test_only_the_user_interface_imports_textual() -> None:
    violations = [
        item
        for item in ALL_IMPORTS
        if not _under(item.module, *UI) and _under(item.target, "textual")
    ]
    assert not violations, _report(violations, f"only {', '.join(UI)} may import textual")


def test_nothing_below_the_user_interface_loads_it_at_import_time() -> None:
    # csm_tui.cli may start the app from inside a command function (so `csm --help` and the
    # other commands never load Textual); nothing else outside the UI may import it at all.
    violations = [
        item
        for item in ALL_IMPORTS
        if not _under(item.module, *UI)
        and _under(item.target, *UI)
        and not (item.module == "csm_tui.cli" and item.in_function)
    ]
    assert not violations, _report(
        violations, "outside the UI only csm_tui.cli may import the UI, and only inside a function"
    )


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("csm_tui.store", ("csm_tui.services", *UI, "csm_tui.cli")),
        ("csm_tui.services", (*UI, "csm_tui.cli")),
    ],
)
def test_lower_layers_do_not_import_higher_ones(layer: str, forbidden: tuple[str, ...]) -> None:
    violations = [item for item in _in_layer(layer) if _under(item.target, *forbidden)]
    assert not violations, _report(violations, f"{layer} must not import {', '.join(forbidden)}")
