"""Models and enums of the Job Router API (api-version 2023-11-01), under their 1.0.0 names."""

from .._generated.enums import *  # noqa: F401,F403
from .._generated.enums import __all__ as _enum_names
from .._generated.models import *  # noqa: F401,F403
from .._generated.models import __all__ as _model_names

__all__ = [*_model_names, *_enum_names]
