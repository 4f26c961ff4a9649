"""A scenario: policies (the REST API's own JSON bodies), groups of workers, and demand. Loaded from YAML (JSON is
YAML too) or from a mapping, checked field by field so that an error names the field at fault."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .arrivals import Arrivals, parse_arrivals
from .distributions import Distribution, parse_distribution
from .durations import parse_duration
from .errors import ScenarioError

# Upserted in this order, so that each policy's references exist when it arrives.
POLICY_COLLECTIONS = ("distributionPolicies", "exceptionPolicies", "queues", "classificationPolicies")

_TOP = {
    "name", "duration", "seed", "serviceLevelSeconds", "intervalSeconds", "warmUp", "drain", "policies",
    "policiesScript", "workers", "demand",
}  # fmt: skip
_GROUP = {
    "count", "idPrefix", "capacity", "channels", "queues", "labels", "shift", "acceptAfter", "declineShare", "wrapUp",
}  # fmt: skip
_DEMAND = {
    "name", "channel", "queue", "classificationPolicy", "labels", "priority", "arrivals", "handleTime", "patience",
    "workerSelectors", "initialJobs",
}  # fmt: skip

Policies = Dict[str, Dict[str, Dict[str, Any]]]


@dataclass(frozen=True)
class WorkerGroup:
    """``count`` identical workers ``{idPrefix}-1`` ... ``{idPrefix}-{count}``."""

    id_prefix: str
    count: int
    capacity: int
    channels: Dict[str, int]
    queues: Tuple[str, ...]
    labels: Dict[str, Any]
    shift_start: float
    shift_end: Optional[float]
    accept_after: Distribution
    decline_share: float
    wrap_up: Distribution

    def worker_ids(self) -> List[str]:
        return [f"{self.id_prefix}-{n}" for n in range(1, self.count + 1)]

    def worker_body(self, available: bool) -> Dict[str, Any]:
        """The worker's REST body."""
        return {
            "capacity": self.capacity,
            "queues": list(self.queues),
            "labels": dict(self.labels),
            "channels": [{"channelId": c, "capacityCostPerJob": cost} for c, cost in self.channels.items()],
            "availableForOffers": available,
        }


@dataclass(frozen=True)
class Demand:
    name: str
    channel: str
    queue: Optional[str]
    classification_policy: Optional[str]
    labels: Dict[str, Any]
    priority: Optional[int]
    arrivals: Arrivals
    handle_time: Distribution
    patience: Optional[Distribution]
    worker_selectors: Tuple[Dict[str, Any], ...] = ()
    initial_jobs: int = 0  # jobs already there when the run starts (a backlog, or a queue started in steady state)

    def job_body(self) -> Dict[str, Any]:
        """A new job's REST body (its id is added by the driver)."""
        body: Dict[str, Any] = {"channelId": self.channel, "labels": dict(self.labels)}
        if self.queue is not None:
            body["queueId"] = self.queue
        if self.classification_policy is not None:
            body["classificationPolicyId"] = self.classification_policy
        if self.priority is not None:
            body["priority"] = self.priority
        if self.worker_selectors:
            body["requestedWorkerSelectors"] = [dict(s) for s in self.worker_selectors]
        return body


@dataclass(frozen=True)
class Scenario:
    duration: float
    policies: Policies
    workers: Tuple[WorkerGroup, ...]
    demand: Tuple[Demand, ...]
    seed: int = 0
    service_level_seconds: float = 20.0
    interval_seconds: float = 900.0
    warm_up: float = 0.0  # figures count from here (a queue that starts empty answers faster at first)
    drain: float = 3600.0  # after the last arrival, the run goes on this long at most for the jobs still open
    name: str = "scenario"
    source: Optional[str] = field(default=None, compare=False)

    def with_seed(self, seed: int) -> Scenario:
        return replace(self, seed=seed)


def load_scenario(source: Union[str, Path, Mapping[str, Any]]) -> Scenario:
    """A scenario from a YAML or JSON file, or from a mapping shaped like one."""
    if isinstance(source, Mapping):
        return parse_scenario(source, base=None, name="scenario")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("", f"cannot read scenario {path}: {exc.strerror or exc}") from None
    data = _parse_text(text, path)
    return parse_scenario(data, base=path.parent, name=path.stem, source=str(path))


def _parse_text(text: str, path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        try:  # JSON needs no YAML parser
            return json.loads(text)
        except ValueError:
            hint = "pip install 'azure-communication-jobrouter[simulation]'"
            raise ScenarioError("", f"{path} is not JSON; reading YAML needs PyYAML: {hint}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError("", f"{path} is not valid YAML: {exc}") from None


def parse_scenario(
    data: Any, *, base: Optional[Path] = None, name: str = "scenario", source: Optional[str] = None
) -> Scenario:
    """Check ``data`` field by field and build the scenario."""
    top = _mapping(data, "", _TOP)
    if "duration" not in top:
        raise ScenarioError("duration", "is required (for example 8h)")
    duration = parse_duration(top["duration"], "duration")
    if duration <= 0:
        raise ScenarioError("duration", "must be above 0")
    interval = parse_duration(top.get("intervalSeconds", 900), "intervalSeconds")
    if interval <= 0:
        raise ScenarioError("intervalSeconds", "must be above 0")
    policies = _policies(top.get("policies", {}))
    if "policiesScript" in top:
        policies = _merge(policies, _scripted_policies(top["policiesScript"], base))
    groups = tuple(_group(g, f"workers[{i}]") for i, g in enumerate(_list(top.get("workers"), "workers")))
    ids = [g.id_prefix for g in groups]
    for i, prefix in enumerate(ids):
        if prefix in ids[:i]:
            raise ScenarioError(f"workers[{i}].idPrefix", f"{prefix!r} is used by another group too")
    demand = tuple(_demand(d, f"demand[{i}]", base) for i, d in enumerate(_list(top.get("demand"), "demand")))
    names = [d.name for d in demand]
    for i, demand_name in enumerate(names):
        if demand_name in names[:i]:
            raise ScenarioError(f"demand[{i}].name", f"{demand_name!r} is used twice; give each demand its own name")
    queues = policies["queues"]
    for i, d in enumerate(demand):
        if d.queue is not None and d.queue not in queues:
            raise ScenarioError(f"demand[{i}].queue", f"no queue {d.queue!r} in policies.queues")
        if d.classification_policy is not None and d.classification_policy not in policies["classificationPolicies"]:
            raise ScenarioError(
                f"demand[{i}].classificationPolicy",
                f"no classification policy {d.classification_policy!r} in policies.classificationPolicies",
            )
    for i, g in enumerate(groups):
        for j, q in enumerate(g.queues):
            if q not in queues:
                raise ScenarioError(f"workers[{i}].queues[{j}]", f"no queue {q!r} in policies.queues")
    seed = top.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScenarioError("seed", f"expected a whole number, got {seed!r}")
    scenario_name = top.get("name", name)
    if not isinstance(scenario_name, str) or not scenario_name:
        raise ScenarioError("name", f"expected a text, got {scenario_name!r}")
    return Scenario(
        duration=duration,
        policies=policies,
        workers=groups,
        demand=demand,
        seed=seed,
        service_level_seconds=parse_duration(top.get("serviceLevelSeconds", 20), "serviceLevelSeconds"),
        interval_seconds=interval,
        warm_up=_below(parse_duration(top.get("warmUp", 0), "warmUp"), duration, "warmUp"),
        drain=parse_duration(top.get("drain", 3600), "drain"),
        name=scenario_name,
        source=source,
    )


def _scripted_policies(value: Any, base: Optional[Path]) -> Policies:
    from .policies import policies_from_script

    script = _text(value, "policiesScript")
    return policies_from_script(Path(script) if base is None else base / script)


def _merge(written: Policies, scripted: Policies) -> Policies:
    """The script's policies, and the file's over them (the file has the last word)."""
    return {c: {**scripted.get(c, {}), **written.get(c, {})} for c in POLICY_COLLECTIONS}


def _below(value: float, duration: float, field_name: str) -> float:
    if value >= duration:
        raise ScenarioError(field_name, f"must be shorter than the duration ({duration:g} s)")
    return value


def _mapping(value: Any, where: str, allowed: Optional[set] = None) -> Dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(where, f"expected a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise ScenarioError(where, f"keys must be text, got {key!r}")
        if allowed is not None and key not in allowed:
            raise ScenarioError(_join(where, key), f"unknown field; expected one of {', '.join(sorted(allowed))}")
    return dict(value)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(where, "expected a list with at least one entry")
    return value


def _policies(value: Any) -> Policies:
    policies = _mapping(value, "policies", set(POLICY_COLLECTIONS))
    result: Policies = {}
    for collection in POLICY_COLLECTIONS:
        given = policies.get(collection)
        entries = _mapping({} if given is None else given, f"policies.{collection}")
        result[collection] = {key: _mapping(body, f"policies.{collection}.{key}") for key, body in entries.items()}
    return result


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ScenarioError(where, f"expected a non-empty text, got {value!r}")
    return value


def _count(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(where, f"expected a whole number of at least {minimum}, got {value!r}")
    return value


def _group(value: Any, where: str) -> WorkerGroup:
    g = _mapping(value, where, _GROUP)
    for required in ("count", "queues", "channels"):
        if required not in g:
            raise ScenarioError(f"{where}.{required}", "is required")
    channels = _mapping(g["channels"], f"{where}.channels")
    if not channels:
        raise ScenarioError(f"{where}.channels", "name at least one channel, e.g. {voice: 1}")
    costs = {c: _count(cost, f"{where}.channels.{c}", 1) for c, cost in channels.items()}
    queues = g["queues"]
    if not isinstance(queues, list) or not queues:
        raise ScenarioError(f"{where}.queues", "expected a list of queue ids")
    shift = _mapping(g.get("shift", {}), f"{where}.shift", {"start", "end"})
    start = parse_duration(shift.get("start", 0), f"{where}.shift.start")
    end = parse_duration(shift["end"], f"{where}.shift.end") if "end" in shift else None
    if end is not None and end <= start:
        raise ScenarioError(f"{where}.shift.end", "must be after the shift's start")
    share = g.get("declineShare", 0.0)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share < 1:
        # 1 is refused too: a group that declines every offer answers nothing, and its offers and declines would
        # go round for the whole run
        raise ScenarioError(f"{where}.declineShare", f"expected a share from 0 up to (not including) 1, got {share!r}")
    capacity = _count(g.get("capacity", 1), f"{where}.capacity", 1)
    for channel, cost in costs.items():
        if cost > capacity:
            raise ScenarioError(f"{where}.channels.{channel}", f"costs {cost}, more than the capacity {capacity}")
    return WorkerGroup(
        id_prefix=_text(g.get("idPrefix", f"group{where[8:-1]}"), f"{where}.idPrefix"),
        count=_count(g["count"], f"{where}.count"),
        capacity=capacity,
        channels=costs,
        queues=tuple(_text(q, f"{where}.queues[{i}]") for i, q in enumerate(queues)),
        labels=_mapping(g.get("labels", {}), f"{where}.labels"),
        shift_start=start,
        shift_end=end,
        accept_after=parse_distribution(g.get("acceptAfter", 0), f"{where}.acceptAfter"),
        decline_share=float(share),
        wrap_up=parse_distribution(g.get("wrapUp", 0), f"{where}.wrapUp"),
    )


def _demand(value: Any, where: str, base: Optional[Path]) -> Demand:
    d = _mapping(value, where, _DEMAND)
    for required in ("channel", "arrivals", "handleTime"):
        if required not in d:
            raise ScenarioError(f"{where}.{required}", "is required")
    if ("queue" in d) == ("classificationPolicy" in d):
        raise ScenarioError(where, "give exactly one of queue or classificationPolicy")
    priority = d.get("priority")
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        raise ScenarioError(f"{where}.priority", f"expected a whole number, got {priority!r}")
    selectors = d.get("workerSelectors", [])
    if not isinstance(selectors, list):
        raise ScenarioError(f"{where}.workerSelectors", "expected a list of worker selectors (REST bodies)")
    queue = d.get("queue")
    policy = d.get("classificationPolicy")
    return Demand(
        name=_text(d.get("name", queue or policy), f"{where}.name"),
        channel=_text(d["channel"], f"{where}.channel"),
        queue=_text(queue, f"{where}.queue") if queue is not None else None,
        classification_policy=_text(policy, f"{where}.classificationPolicy") if policy is not None else None,
        labels=_mapping(d.get("labels", {}), f"{where}.labels"),
        priority=priority,
        arrivals=parse_arrivals(d["arrivals"], f"{where}.arrivals", base),
        handle_time=parse_distribution(d["handleTime"], f"{where}.handleTime"),
        patience=parse_distribution(d["patience"], f"{where}.patience") if "patience" in d else None,
        worker_selectors=tuple(_mapping(s, f"{where}.workerSelectors[{i}]") for i, s in enumerate(selectors)),
    )
