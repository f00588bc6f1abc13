"""Every model and enum of the API (BatchJob, BatchJobStatus, JobType, BatchItemStatus, ...).

Models are attrs classes (attrs.define, slotted): `from_dict`/`to_dict`/`to_json` convert from
and to JSON data, and properties the spec does not describe are kept in `additional_properties`
(and `model["name"]`). A property the server left out or sent as null reads None; `to_dict()`
writes back exactly what was received. Enums are open: a value the server added since this
release parses instead of raising (`.is_known` is False). Models a request can carry have a
`Dict` TypedDict for passing plain dicts. `from_dict` raises ShapeError (a TypeError and
ValueError) naming where data does not fit.

The official llama-cloud SDK's names for what the top-level resources' methods return
(`BatchListResponse`, `BatchGetResponse`, ...) are here too, each the model itself.
"""

from typing import TYPE_CHECKING, Any

from _llama_cloud_batch_generated import models as _models
from _llama_cloud_batch_generated import sdk_names as _sdk_names

from ._models import ShapeError

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.models import *  # noqa: F403
    from _llama_cloud_batch_generated.sdk_names import *  # noqa: F403

__all__ = ["ShapeError", *_models.__all__, *_sdk_names.__all__]  # noqa: PLE0604


def __getattr__(name: str) -> Any:
    return getattr(_models, _sdk_names.ALIASES.get(name, name))


def __dir__() -> list[str]:
    # The public names and the module's own dunders, not its imports.
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
