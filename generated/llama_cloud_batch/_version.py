# Copied by generator/generate.py from overrides/llama_cloud_batch/_version.py. Edit it there.
"""The package version: the one place it is kept (release tooling edits it)."""

__version__ = "0.2.0"
