"""A routing what-if simulator: a day of demand against real policies, on the emulator's engine and a virtual clock.

``run(scenario)`` drives :class:`~jobrouter_emulator.engine.router.Router` in-process (no HTTP) through its public
methods, and reports through :mod:`jobrouter_emulator.statistics` (the figures of ``GET /_emulator/statistics``).
The pieces: :mod:`.scenario` (the file and its checks), :mod:`.distributions` and :mod:`.arrivals` (randomness),
:mod:`.driver` (the discrete-event loop), :mod:`.results` (JSON, CSV, replications), :mod:`.theory` (Erlang C and
Erlang A), :mod:`.report` (the HTML report), :mod:`.policies` (import and export through the SDK), :mod:`.cli`.
"""

from .errors import ScenarioError
from .runner import Result, run
from .scenario import Demand, Scenario, WorkerGroup, load_scenario, parse_scenario

__all__ = ["Demand", "Result", "Scenario", "ScenarioError", "WorkerGroup", "load_scenario", "parse_scenario", "run"]
