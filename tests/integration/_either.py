"""One scenario for both client flavours: a sync call's result passes through, an async one's is awaited."""

from __future__ import annotations

import inspect
from typing import Any, List


async def settle(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def collect(paged: Any) -> List[Any]:
    return [item async for item in paged] if hasattr(paged, "__aiter__") else list(paged)
