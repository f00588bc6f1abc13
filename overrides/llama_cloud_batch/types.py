"""Every model and enum of the API (BatchJob, BatchJobStatus, JobType, BatchItemStatus, ...).

Models are attrs classes (attrs.fields(), asdict(), evolve() and cattrs work on them; their
methods are generated, so attrs is imported only when its functions are used):
`from_dict`/`to_dict` convert from and to JSON data, and properties
the API description does not know are kept in `additional_properties`. A property the server
left out or sent as null reads None; `to_dict()` writes back exactly what was received. Enums
are open: a value the server added since this release parses instead of raising (`.is_known` is
False). Request-side models (`*Param`) have a `Dict` TypedDict for passing plain dicts.
`from_dict` raises ShapeError (a TypeError and ValueError) naming where data does not fit.
"""

from typing import TYPE_CHECKING, Any

from _llama_cloud_batch_generated import models as _models
from _llama_cloud_batch_generated.types import ShapeError

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.models import *  # noqa: F403

__all__ = ["ShapeError", *_models.__all__]  # noqa: PLE0604


def __getattr__(name: str) -> Any:
    return getattr(_models, name)
