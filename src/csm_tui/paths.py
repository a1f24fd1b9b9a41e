"""Where csm-tui keeps its files (platformdirs: ~/.local/share/csm-tui on Linux, etc.)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_path, user_data_path, user_log_path

APP_NAME = "csm-tui"


def data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    return user_config_path(APP_NAME, appauthor=False)


def default_database() -> Path:
    """The user's own book of business."""
    return data_dir() / "csm.db"


def demo_database() -> Path:
    """The demo book, kept apart so that `csm demo` never touches real data."""
    return data_dir() / "demo.db"


def default_config_file() -> Path:
    return config_dir() / "config.toml"


def log_file() -> Path:
    """What went wrong in the terminal UI, with its traceback (the screen says it in a line)."""
    return user_log_path(APP_NAME, appauthor=False) / "csm.log"
