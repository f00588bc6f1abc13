"""The package version: the one place it is kept (release tooling edits it)."""

__version__ = "2.0.0"
