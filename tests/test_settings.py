from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from csm_tui import paths
from csm_tui.cli import main
from csm_tui.settings import ConfigError, Settings, build_settings

SYSTEM_TODAY = date(2026, 11, 23)


def _build(**overrides: Any) -> Settings:
    arguments: dict[str, Any] = {
        "database": None,
        "today": None,
        "user_email": None,
        "config_path": None,
        "rules_path": None,
        "system_today": SYSTEM_TODAY,
    }
    arguments.update(overrides)
    return build_settings(**arguments)


def test_defaults_put_the_database_in_the_user_data_dir() -> None:
    settings = _build()
    assert settings.database == str(paths.default_database())
    assert settings.today == SYSTEM_TODAY
    assert settings.user_email is None


def test_the_real_date_is_kept_beside_a_planned_today() -> None:
    planned = _build(today=date(2026, 12, 1))
    assert (planned.today, planned.system_today) == (date(2026, 12, 1), SYSTEM_TODAY)
    assert _build().system_today == SYSTEM_TODAY


def test_config_file_fills_what_the_command_line_left_out(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('database = "/data/book.db"\nuser_email = "maya@example.com"\n')
    settings = _build(config_path=config)
    assert settings.database == "/data/book.db"
    assert settings.user_email == "maya@example.com"
    flagged = _build(config_path=config, database="/elsewhere.db", user_email="li@example.com")
    assert flagged.database == "/elsewhere.db"
    assert flagged.user_email == "li@example.com"


def test_the_team_server_is_the_flag_s_else_the_config_file_s(
    tmp_path: Path, tui_started: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('team_database = "postgresql://team@office/csm"\n')
    assert _build(config_path=config).team_database == "postgresql://team@office/csm"
    flagged = _build(config_path=config, team_database="postgresql://team@home/csm")
    assert flagged.team_database == "postgresql://team@home/csm"
    # The terminal UI takes it as `csm sync` does: --team-db, or CSM_TUI_TEAM_DATABASE.
    book = str(tmp_path / "book.db")
    result = CliRunner().invoke(main, ["--db", book, "--team-db", "/srv/team.db"])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("CSM_TUI_TEAM_DATABASE", "/srv/other.db")
    result = CliRunner().invoke(main, ["--db", book])
    assert result.exit_code == 0, result.output
    assert [app.settings.team_database for app in tui_started] == ["/srv/team.db", "/srv/other.db"]


def test_the_default_config_file_is_read_when_present() -> None:
    paths.default_config_file().parent.mkdir(parents=True)
    paths.default_config_file().write_text('user_email = "maya@example.com"\n')
    assert _build().user_email == "maya@example.com"


def test_unknown_key_names_the_file_and_the_known_keys(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('user_mail = "maya@example.com"\n')
    with pytest.raises(ConfigError) as caught:
        _build(config_path=config)
    message = str(caught.value)
    assert str(config) in message and "'user_mail'" in message and "user_email" in message


def test_wrong_type_and_bad_toml_are_explained(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("database = 3\n")
    with pytest.raises(ConfigError, match="database must be a string"):
        _build(config_path=config)
    config.write_text("database = \n")
    with pytest.raises(ConfigError, match="fix the TOML syntax"):
        _build(config_path=config)


def test_an_explicit_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        _build(config_path=tmp_path / "missing.toml")
