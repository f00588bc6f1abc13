"""Every model and enum of the API (BatchJob, BatchJobStatus, JobType, BatchItemStatus, ...).

Models are attrs classes: `from_dict`/`to_dict` convert from and to JSON data, and properties
the API description does not know are kept in `additional_properties`. Enums are open: a
value the server added since this release parses instead of raising (`.is_known` is False).
A property the server left out is UNSET (falsy), distinct from None (sent as null).
"""

from typing import TYPE_CHECKING, Any

from ._generated import models as _models
from ._generated.types import UNSET, Unset

if TYPE_CHECKING:
    from ._generated.models import *  # noqa: F403

__all__ = ["UNSET", "Unset", *_models.__all__]  # noqa: PLE0604


def __getattr__(name: str) -> Any:
    return getattr(_models, name)
