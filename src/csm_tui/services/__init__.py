"""Orchestration used by both the CLI and the UI."""
