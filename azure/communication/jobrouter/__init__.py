"""Azure Communication Services Job Router client library.

``JobRouterAdministrationClient`` manages policies and queues; ``JobRouterClient`` manages workers, jobs and
offers. Async twins live in :mod:`azure.communication.jobrouter.aio`, models and enums in
:mod:`azure.communication.jobrouter.models` (also importable from here).
"""

from ._client import JobRouterAdministrationClient, JobRouterClient
from ._generated.options import RequestOptions
from ._version import VERSION
from .models import *  # noqa: F401,F403
from .models import __all__ as _model_names

__version__ = VERSION

__all__ = ["JobRouterAdministrationClient", "JobRouterClient", "RequestOptions", *_model_names]
