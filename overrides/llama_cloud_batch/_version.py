"""The package version: the one place it is kept (release tooling edits it)."""

__version__ = "1.4.0"
