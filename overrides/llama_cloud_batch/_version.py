"""The package version: the one place it is kept (release tooling edits it)."""

__version__ = "0.2.0"
