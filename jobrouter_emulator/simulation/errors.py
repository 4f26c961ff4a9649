"""The one error a scenario raises: it names the field at fault, so the message says what to fix."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario that cannot run; ``field`` is the dotted path of the value at fault (``workers[0].count``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
