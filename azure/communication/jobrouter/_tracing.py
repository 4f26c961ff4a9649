"""The span of each public operation: azure-core's ``distributed_trace``, with the tracing settings read once a call.

azure-core's decorator and its ``DistributedTracingPolicy`` each read the tracing settings on every call: two
environment-variable look-ups each, together about 5% of a ``get_job`` on the benchmark machine
(``benchmarks/tracing.py``). Here an operation reads them once. When tracing is on (or the call carries a tracing
keyword) the call goes through azure-core's decorator unchanged, so its span, its name and its error handling are
azure-core's; when tracing is off the call skips the decorator and marks its pipeline context, so that
:class:`TracingPolicy` skips its own look-up. The HTTP span, when there is one, is the operation span's child.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Dict, TypeVar

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import DistributedTracingPolicy
from azure.core.settings import settings
from azure.core.tracing.decorator import distributed_trace
from azure.core.tracing.decorator_async import distributed_trace_async

F = TypeVar("F", bound=Callable[..., Any])
_TRACING_OFF = "_jobrouter_tracing_off"
# Keywords only azure-core's decorator understands: a call that has one always goes through it.
_TRACING_KEYWORDS = frozenset(("tracing_options", "parent_span", "merge_span"))


def _tracing_off(kwargs: Dict[str, Any]) -> bool:
    if _TRACING_KEYWORDS.isdisjoint(kwargs) and not settings.tracing_enabled():
        kwargs[_TRACING_OFF] = True
        return True
    return False


def traced(span_name: str) -> Callable[[F], F]:
    """``distributed_trace(_async)(name_of_span=span_name)`` for a method or a coroutine method."""

    def decorate(method: F) -> F:
        if inspect.iscoroutinefunction(method):
            with_span = distributed_trace_async(name_of_span=span_name)(method)

            async def call_async(*args: Any, **kwargs: Any) -> Any:
                return await (method(*args, **kwargs) if _tracing_off(kwargs) else with_span(*args, **kwargs))

            return functools.wraps(method)(call_async)  # type: ignore[return-value]
        with_span = distributed_trace(name_of_span=span_name)(method)

        def call(*args: Any, **kwargs: Any) -> Any:
            return method(*args, **kwargs) if _tracing_off(kwargs) else with_span(*args, **kwargs)

        return functools.wraps(method)(call)  # type: ignore[return-value]

    return decorate


class TracingPolicy(DistributedTracingPolicy):  # type: ignore[type-arg]  # generic only in newer azure-core
    """azure-core's HTTP span; a request whose operation already found tracing off skips the settings look-up."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if not request.context.options.pop(_TRACING_OFF, False):
            super().on_request(request)
