"""The @deprecated marker (PEP 702) of deprecated operations: warnings.deprecated from Python
3.13; before it, a function-only equivalent, which type checkers see as typing_extensions'. And
NOT_GIVEN, the default of a deprecated parameter, so that passing it at all can warn.

Not typing_extensions' at run time: on Python 3.11 it marks a coroutine function for asyncio by
importing asyncio, and the beta resource's async methods are deprecated, so a first sync call
would import asyncio for nothing (as much import time as all its other modules). Methods
decorated here before 3.13 are not marked for asyncio.iscoroutinefunction; calling them is
unchanged (the wrapper returns the coroutine).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    if sys.version_info >= (3, 13):
        from warnings import deprecated
    else:
        from typing_extensions import deprecated
elif sys.version_info >= (3, 13):
    from warnings import deprecated
else:
    import functools
    import warnings

    def deprecated(message, /, *, category=DeprecationWarning, stacklevel=1):  # noqa: ANN001, ANN202
        """Marks a function deprecated: calling it warns `message` at its caller's line, and
        it (and the wrapper) carry `__deprecated__` as PEP 702 says."""

        def decorate(function):  # noqa: ANN001, ANN202
            @functools.wraps(function)
            def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                warnings.warn(message, category, stacklevel=stacklevel + 1)
                return function(*args, **kwargs)

            function.__deprecated__ = wrapper.__deprecated__ = message
            return wrapper

        return decorate


class _NotGiven:
    """`timeout=` not given to a wait (None is a value there: wait for ever)."""

    def __repr__(self) -> str:
        # As help() and inspect.signature() show the default.
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


__all__ = ["NOT_GIVEN", "deprecated"]
