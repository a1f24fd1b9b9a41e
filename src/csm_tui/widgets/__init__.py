"""Reusable widgets and cell renderers."""
