# Copied by generator/generate.py from overrides/llama_cloud_batch/__init__.py. Edit it there.
"""A typed Python client for LlamaCloud's batch-processing API."""

from ._version import __version__

__all__ = ["__version__"]
