"""A typed Python client for LlamaCloud's batch-processing API."""

from ._version import __version__

__all__ = ["__version__"]
