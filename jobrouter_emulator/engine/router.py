"""The router: resources, the job lifecycle, matching workers to jobs, offers, timers and events.

One lock serialises commands. Each command changes the in-memory state, then commits the changed documents and
the events it raised to the store in one batch before it returns. Routing work that the service does
asynchronously (classifying and queueing a new job, issuing offers) runs from timers due "now", fired by a
background thread on the wall clock, or by ``run_pending()`` in tests that drive a :class:`FakeClock`.

Matching is indexed: each queue knows its queued jobs and its registered workers, so a change looks only at
the queues it touches.
"""

from __future__ import annotations

import base64
import copy
import heapq
import json
import logging
import random
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from ..store.base import Batch, Store, StoredEvent
from . import documents as docs
from .classification import ClassificationFailed, classify
from .clock import Clock, SystemClock
from .documents import kind_key
from .errors import BadRequest, Conflict, NotFound, PreconditionFailed
from .events import iso, job_event, offer_event, worker_event
from .rules import Outbound
from .scoring import rank_best_workers
from .selectors import label_index_key, satisfies

logger = logging.getLogger(__name__)

ACTIVE_JOB_STATUSES = {
    "created",
    "pendingClassification",
    "queued",
    "assigned",
    "completed",
    "pendingSchedule",
    "scheduled",
    "waitingForActivation",
}
TERMINAL_JOB_STATUSES = {"closed", "cancelled", "classificationFailed", "scheduleFailed"}
DEFAULT_OFFER_SECONDS = 30.0


@dataclass(frozen=True)
class Entity:
    body: Dict[str, Any]
    etag: str
    last_modified: datetime


def _parse_time(value: Any) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    try:
        text = value.replace("Z", "+00:00")
        if "." in text:
            head, _, tail = text.partition(".")
            digits = "".join(ch for ch in tail if ch.isdigit())
            zone = tail[len(digits) :]
            text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except ValueError:
        return None


class _Record:
    """A stored document: the REST body plus what the engine keeps beside it."""

    __slots__ = ("body", "last_modified", "created", "internal")

    def __init__(
        self, body: Dict[str, Any], last_modified: datetime, created: int, internal: Optional[Dict[str, Any]] = None
    ) -> None:
        self.body = body
        self.last_modified = last_modified
        self.created = created
        self.internal = internal or {}

    def to_document(self) -> Dict[str, Any]:
        return {
            "body": self.body,
            "lastModified": iso(self.last_modified),
            "created": self.created,
            "internal": self.internal,
        }

    @classmethod
    def from_document(cls, document: Dict[str, Any]) -> _Record:
        return cls(
            document["body"],
            _parse_time(document["lastModified"]) or datetime.now(timezone.utc),
            document["created"],
            document.get("internal") or {},
        )


class _Transaction:
    def __init__(self) -> None:
        self.dirty: Set[Tuple[str, str]] = set()
        self.deleted: Set[Tuple[str, str]] = set()
        self.events: List[Dict[str, Any]] = []
        self.queues_to_match: Set[str] = set()


class Router:
    def __init__(
        self,
        store: Store,
        clock: Optional[Clock] = None,
        *,
        seed: Optional[int] = None,
        outbound: Optional[Outbound] = None,
        processing_delay: float = 0.001,
    ) -> None:
        # Routing work (classifying, queueing, offering) runs on the timer thread this long after the request that
        # caused it, never inside it: a response never shows its own routing results, as with the live service
        # (where offers came 0.3-0.8 s later). One millisecond lets the response leave before routing competes with
        # it for the GIL (with 0 the create's response waited for the match in a first, noisy, measurement).
        self._processing_delay = timedelta(seconds=processing_delay)
        self._store = store
        self._clock = clock or SystemClock()
        self._rng = random.Random(seed)
        self._outbound = outbound
        self._lock = threading.RLock()
        self._wakeup = threading.Condition(self._lock)
        self._records: Dict[str, Dict[str, _Record]] = {c: {} for c in docs.COLLECTIONS}
        self._created_counter = 0
        self._enqueue_counter = 0
        self._timers: List[Tuple[datetime, int, str, Tuple[str, ...]]] = []
        self._timer_counter = 0
        self._tx: Optional[_Transaction] = None
        self._listeners: List[Callable[[List[StoredEvent]], None]] = []
        self._thread: Optional[threading.Thread] = None
        self._closed = False
        # Indexes for matching.
        self._queued: Dict[str, Set[str]] = {}  # queue id -> ids of queued jobs
        # Matching indexes. "Free" sets hold the workers that can take one more job right now (active, available,
        # capacity left for the channel's cost); they change with every offer, assignment and release.
        self._free: Dict[Tuple[str, str], Set[str]] = {}  # (queue id, channel id) -> worker ids
        self._free_in_queue: Dict[str, Set[str]] = {}  # queue id -> worker ids free for any of their channels
        # (queue id, channel id, label key, label_index_key(value)) -> free worker ids with that label value
        self._free_by_label: Dict[Tuple[str, str, str, Any], Set[str]] = {}
        # worker id -> its keys in _free and in _free_by_label
        self._free_memberships: Dict[str, Tuple[List[Tuple[str, str]], List[Tuple[str, str, str, Any]]]] = {}
        self._round_robin: Dict[str, int] = {}
        self._match_pending: Set[str] = set()  # queues with a "match" timer already scheduled
        self._load()

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def _load(self) -> None:
        snapshot = self._store.load()
        for collection, items in snapshot.documents.items():
            if collection not in self._records:
                continue
            for key, document in items.items():
                record = _Record.from_document(document)
                self._records[collection][key] = record
                self._created_counter = max(self._created_counter, record.created)
                self._enqueue_counter = max(self._enqueue_counter, record.internal.get("enqueueSeq", 0))
        for key in self._records["workers"]:
            self._refresh_free(key)
        now = self._clock.now()
        for key, record in self._records["jobs"].items():
            job = record.body
            if job.get("status") == "queued" and job.get("queueId"):
                self._queued.setdefault(job["queueId"], set()).add(key)
                self._schedule(now, "match", job["queueId"])
            if job.get("status") in ("created", "pendingClassification", "pendingSchedule"):
                self._schedule(now, "process", key)
            for offer_id, offer in record.internal.get("offers", {}).items():
                self._schedule(_parse_time(offer["expiresAt"]) or now, "expireOffer", key, offer_id)
            mode = job.get("matchingMode") or {}
            if job.get("status") == "scheduled":
                self._schedule(_parse_time(mode.get("scheduleAt")) or now, "activateSchedule", key)

    def start(self, background: bool = True) -> None:
        if background and self._thread is None:
            self._thread = threading.Thread(target=self._timer_loop, name="jobrouter-timers", daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._wakeup:
            self._closed = True
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._store.close()

    def try_lock(self) -> bool:
        """Take the router's lock if no other thread holds it (then call ``unlock``); every command takes it too,
        re-entrantly, so a caller holding it runs commands without waiting."""
        return self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        self._lock.release()

    def add_event_listener(self, callback: Callable[[List[StoredEvent]], None]) -> None:
        self._listeners.append(callback)

    def events_since(self, sequence: int, limit: int = 1000) -> List[StoredEvent]:
        return self._store.events_since(sequence, limit)

    def _timer_loop(self) -> None:
        while True:
            with self._wakeup:
                if self._closed:
                    return
                due = self._timers[0][0] if self._timers else None
                now = self._clock.now()
                if due is None or due > now:
                    wait = 1.0 if due is None else min(1.0, max(0.0, (due - now).total_seconds()))
                    self._wakeup.wait(timeout=wait)
                    continue
            try:
                self.run_pending()
            except Exception:  # noqa: BLE001 - the timer thread must survive a failing timer
                logger.exception("A router timer failed")

    def run_pending(self) -> int:
        """Fire every timer due by now (repeatedly, since timers may schedule more); returns how many fired."""
        fired = 0
        while True:
            with self._lock:
                now = self._clock.now()
                if not self._timers or self._timers[0][0] > now:
                    return fired
                _, _, action, args = heapq.heappop(self._timers)
                with self._transaction():
                    getattr(self, f"_timer_{action}")(*args)
                fired += 1

    def _schedule(self, at: datetime, action: str, *args: str) -> None:
        self._timer_counter += 1
        with self._wakeup:
            heapq.heappush(self._timers, (at, self._timer_counter, action, args))
            self._wakeup.notify_all()

    # -- transactions ---------------------------------------------------------------------------------------------
    class _TxContext:
        def __init__(self, router: Router) -> None:
            self.router = router
            self.outer = False

        def __enter__(self) -> _Transaction:
            router = self.router
            if router._tx is None:
                router._tx = _Transaction()
                self.outer = True
            return router._tx

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            router = self.router
            if not self.outer:
                return
            tx, router._tx = router._tx, None
            if exc_type is not None or tx is None:
                return
            for queue_id in tx.queues_to_match:
                # One pending match per queue is enough: it looks at the whole queue when it runs.
                if queue_id not in router._match_pending:
                    router._match_pending.add(queue_id)
                    router._schedule(router._clock.now() + router._processing_delay, "match", queue_id)
            batch = Batch()
            for collection, key in tx.dirty:
                record = router._records[collection].get(key)
                if record is not None:
                    batch.put(collection, key, record.to_document())
            for collection, key in tx.deleted:
                batch.delete(collection, key)
            for event in tx.events:
                batch.emit(event)
            if batch:
                stored = router._store.commit(batch)
                if stored:
                    for listener in router._listeners:
                        try:
                            listener(stored)
                        except Exception:  # noqa: BLE001
                            logger.exception("An event listener failed")

    def _transaction(self) -> Router._TxContext:
        return Router._TxContext(self)

    def _touch(self, collection: str, key: str) -> None:
        record = self._records[collection][key]
        record.last_modified = self._clock.now()
        record.body["etag"] = f'"{uuid.uuid4()}"'
        assert self._tx is not None
        self._tx.dirty.add((collection, key))
        if collection == "workers":
            self._refresh_free(key)  # offers, assignments, capacity or state may have changed

    def _emit(self, event: Dict[str, Any]) -> None:
        assert self._tx is not None
        self._tx.events.append(event)

    def _match_later(self, queue_id: Optional[str]) -> None:
        if queue_id and self._tx is not None:
            self._tx.queues_to_match.add(queue_id)

    # -- CRUD -----------------------------------------------------------------------------------------------------
    def _entity(self, record: _Record) -> Entity:
        return Entity(copy.deepcopy(record.body), record.body["etag"], record.last_modified)

    def _check_collection(self, collection: str) -> None:
        if collection not in self._records:
            raise NotFound(f"Unknown collection {collection!r}.")

    def get(self, collection: str, key: str) -> Entity:
        with self._lock:
            self._check_collection(collection)
            record = self._records[collection].get(key)
            if record is None:
                raise NotFound("The item was not found.", target=f"/routing/{collection}/{key}")
            return self._entity(record)

    @staticmethod
    def _check_conditions(
        record: Optional[_Record],
        if_match: Optional[str],
        if_none_match: Optional[str],
        if_unmodified_since: Optional[datetime],
    ) -> None:
        if if_match is not None:
            if record is None or (if_match != "*" and if_match.strip() != record.body["etag"]):
                raise PreconditionFailed("The resource was modified since the given etag (If-Match).")
        if if_none_match is not None and record is not None:
            if if_none_match == "*" or if_none_match.strip() == record.body["etag"]:
                raise PreconditionFailed("The resource already exists (If-None-Match).")
        if if_unmodified_since is not None and record is not None:
            if record.last_modified.replace(microsecond=0) > if_unmodified_since:
                raise PreconditionFailed("The resource was modified after If-Unmodified-Since.")

    def upsert(
        self,
        collection: str,
        key: str,
        patch: Dict[str, Any],
        *,
        if_match: Optional[str] = None,
        if_none_match: Optional[str] = None,
        if_unmodified_since: Optional[datetime] = None,
    ) -> Tuple[Entity, bool]:
        if not isinstance(patch, dict):
            raise BadRequest("The request body must be a JSON object.")
        with self._lock, self._transaction():
            self._check_collection(collection)
            if not key or len(key) > 256:
                raise BadRequest("The id must be 1 to 256 characters.", target="id")
            records = self._records[collection]
            existing = records.get(key)
            self._check_conditions(existing, if_match, if_none_match, if_unmodified_since)
            before = copy.deepcopy(existing.body) if existing else {}
            merged = docs.merge_patch(before, docs.strip_read_only(collection, patch))
            docs.check_types(docs.MODELS[collection], merged)
            docs.VALIDATORS[collection](merged)
            self._check_references(collection, merged)
            merged = docs.apply_defaults(collection, key, merged)
            for read_only in docs.READ_ONLY[collection] - {"id", "etag"}:
                if read_only in before:
                    merged[read_only] = before[read_only]
            created = existing is None
            if existing is None:
                self._created_counter += 1
                records[key] = _Record(merged, self._clock.now(), self._created_counter)
            else:
                existing.body = merged
            self._touch(collection, key)
            getattr(self, f"_after_upsert_{collection}", lambda *a: None)(key, before, created)
            return self._entity(records[key]), created

    def _check_references(self, collection: str, body: Dict[str, Any]) -> None:
        def must_exist(target_collection: str, value: Any, field: str) -> None:
            if value is not None and value not in self._records[target_collection]:
                raise BadRequest(f"{field} {value!r} does not exist.", target=field)

        if collection == "queues":
            if not body.get("distributionPolicyId"):
                raise BadRequest("distributionPolicyId is required.", target="distributionPolicyId")
            must_exist("distributionPolicies", body.get("distributionPolicyId"), "distributionPolicyId")
            must_exist("exceptionPolicies", body.get("exceptionPolicyId"), "exceptionPolicyId")
        elif collection == "classificationPolicies":
            must_exist("queues", body.get("fallbackQueueId"), "fallbackQueueId")
        elif collection == "workers":
            for index, queue_id in enumerate(body.get("queues") or []):
                must_exist("queues", queue_id, f"queues[{index}]")
        elif collection == "jobs":
            must_exist("queues", body.get("queueId"), "queueId")
            must_exist("classificationPolicies", body.get("classificationPolicyId"), "classificationPolicyId")
            if not body.get("queueId") and not body.get("classificationPolicyId"):
                raise BadRequest("A job needs a queueId or a classificationPolicyId.", target="queueId")

    def delete(
        self,
        collection: str,
        key: str,
        *,
        if_match: Optional[str] = None,
        if_unmodified_since: Optional[datetime] = None,
    ) -> None:
        with self._lock, self._transaction():
            self._check_collection(collection)
            record = self._records[collection].get(key)
            if record is None:
                return  # deleting what does not exist succeeds (204), as the service does
            self._check_conditions(record, if_match, None, if_unmodified_since)
            target = f"/routing/{collection}/{key}"
            if collection == "queues":
                if any(
                    j.body.get("queueId") == key and j.body.get("status") in ACTIVE_JOB_STATUSES
                    for j in self._records["jobs"].values()
                ):
                    raise Conflict("Validation failed: \r\n -- : There is active job with this queue", target=target)
            if collection == "jobs" and record.body.get("status") in ACTIVE_JOB_STATUSES - {"completed"}:
                raise Conflict("Validation failed: \r\n -- : Job is active; cancel or close it first", target=target)
            if collection == "workers":
                if record.body.get("assignedJobs"):
                    raise Conflict("Validation failed: \r\n -- : Worker has assigned jobs", target=target)
                self._revoke_worker_offers(key)
                self._emit(worker_event("RouterWorkerDeleted", record.body, self._clock.now(), self._queue_bodies()))
            if collection == "jobs":
                self._dequeue(key, record.body)
                self._emit(job_event("RouterJobDeleted", record.body, self._clock.now()))
            del self._records[collection][key]
            if collection == "workers":
                self._refresh_free(key)  # leaves every free set
            assert self._tx is not None
            self._tx.deleted.add((collection, key))
            self._tx.dirty.discard((collection, key))

    def list(
        self,
        collection: str,
        *,
        filters: Optional[Dict[str, Any]] = None,
        page_size: Optional[int] = None,
        continuation: Optional[str] = None,
    ) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        """Newest first, ``page_size`` a page; the continuation token is opaque to clients."""
        with self._lock:
            self._check_collection(collection)
            filters = {k: v for k, v in (filters or {}).items() if v is not None}
            if page_size is not None and page_size < 1:
                raise BadRequest("maxpagesize must be at least 1.", target="maxpagesize")
            size = page_size or 100
            after: Optional[int] = None
            if continuation:
                try:
                    after = int(json.loads(base64.urlsafe_b64decode(continuation.encode()).decode())["after"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise BadRequest("The continuationToken is not valid.", target="continuationToken") from exc
            records = sorted(self._records[collection].values(), key=lambda r: r.created, reverse=True)
            selected = [
                r for r in records if (after is None or r.created < after) and self._passes(collection, r.body, filters)
            ]
            page = selected[:size]
            token = None
            if len(selected) > size:
                token = base64.urlsafe_b64encode(json.dumps({"after": page[-1].created}).encode()).decode()
            return [copy.deepcopy(r.body) for r in page], token

    def _passes(self, collection: str, body: Dict[str, Any], filters: Dict[str, Any]) -> bool:
        if collection == "jobs":
            status = filters.get("status", "all")
            if status not in ("all", None):
                if status == "active":
                    if body.get("status") not in ACTIVE_JOB_STATUSES:
                        return False
                elif kind_key(body.get("status")) != kind_key(status):
                    return False
            for name in ("queueId", "channelId", "classificationPolicyId"):
                if name in filters and body.get(name) != filters[name]:
                    return False
            scheduled = _parse_time((body.get("matchingMode") or {}).get("scheduleAt"))
            if "scheduledBefore" in filters and not (scheduled and scheduled <= filters["scheduledBefore"]):
                return False
            if "scheduledAfter" in filters and not (scheduled and scheduled >= filters["scheduledAfter"]):
                return False
        if collection == "workers":
            state = filters.get("state", "all")
            if state not in ("all", None) and kind_key(body.get("state")) != kind_key(state):
                return False
            if "channelId" in filters and not any(
                c.get("channelId") == filters["channelId"] for c in body.get("channels") or []
            ):
                return False
            if "queueId" in filters and filters["queueId"] not in (body.get("queues") or []):
                return False
            if "hasCapacity" in filters and bool(self._free_capacity(body) > 0) != bool(filters["hasCapacity"]):
                return False
        return True

    # -- workers --------------------------------------------------------------------------------------------------
    def _queue_bodies(self) -> Dict[str, Dict[str, Any]]:
        return {k: r.body for k, r in self._records["queues"].items()}

    def _refresh_free(self, worker_id: str) -> None:
        """Put the worker in the free sets of the (queue, channel) pairs it can take a job of now (and under each of
        its label values there), and in no other."""
        pairs, label_keys = self._free_memberships.pop(worker_id, ([], []))
        for pair in pairs:
            self._free.get(pair, set()).discard(worker_id)
            self._free_in_queue.get(pair[0], set()).discard(worker_id)
        for label_key in label_keys:
            self._free_by_label.get(label_key, set()).discard(worker_id)
        record = self._records["workers"].get(worker_id)
        if record is None:
            return
        worker = record.body
        if worker.get("state") != "active" or not worker.get("availableForOffers"):
            return
        free = self._free_capacity(worker)
        channels = [
            c["channelId"]
            for c in worker.get("channels") or []
            if isinstance(c, dict)
            and isinstance(c.get("channelId"), str)
            and int(c.get("capacityCostPerJob", 0)) <= free
        ]
        labels = [(k, label_index_key(v)) for k, v in (worker.get("labels") or {}).items()]
        labels = [(k, v) for k, v in labels if v is not None]
        pairs = [(queue_id, channel_id) for queue_id in worker.get("queues") or [] for channel_id in channels]
        label_keys = [(q, c, label, value) for q, c in pairs for label, value in labels]
        for pair in pairs:
            self._free.setdefault(pair, set()).add(worker_id)
            self._free_in_queue.setdefault(pair[0], set()).add(worker_id)
        for label_key in label_keys:
            self._free_by_label.setdefault(label_key, set()).add(worker_id)
        if pairs:
            self._free_memberships[worker_id] = (pairs, label_keys)

    def _workers_to_consider(self, queue_id: str, job_record: _Record, bypass: bool) -> List[str]:
        """A superset of the workers that can take the job, from the indexes: the free workers of its queue and
        channel, narrowed by the most selective ``equal`` selector the job has. ``_eligible`` then checks each one
        fully, so matching costs what the plausible workers cost, not what the whole queue costs."""
        job = job_record.body
        channel_id = str(job.get("channelId"))
        smallest = self._free.get((queue_id, channel_id), set())
        if bypass:
            return list(smallest)
        for selector in (job.get("requestedWorkerSelectors") or []) + (job.get("attachedWorkerSelectors") or []):
            if selector.get("status", "active") != "active" or kind_key(selector.get("labelOperator")) != "equal":
                continue
            value_key = label_index_key(selector.get("value"))
            if value_key is None:
                continue
            matching = self._free_by_label.get((queue_id, channel_id, str(selector.get("key")), value_key), set())
            if len(matching) < len(smallest):
                smallest = matching
        return list(smallest)

    def _after_upsert_workers(self, key: str, before: Dict[str, Any], created: bool) -> None:
        record = self._records["workers"][key]
        worker = record.body
        now = self._clock.now()
        was_available = bool(before.get("availableForOffers"))
        if worker.get("availableForOffers"):
            worker["state"] = "active"
            if not was_available:
                record.internal["idleSince"] = iso(now)
                # Declines recorded against an earlier registration no longer keep this worker away.
                record.internal["epoch"] = record.internal.get("epoch", 0) + 1
                self._emit(worker_event("RouterWorkerRegistered", worker, now, self._queue_bodies()))
        else:
            worker["state"] = "draining" if worker.get("assignedJobs") else "inactive"
            if was_available:
                self._revoke_worker_offers(key)
                self._emit(worker_event("RouterWorkerDeregistered", worker, now, brief=True))
        self._update_load(worker)
        self._refresh_free(key)
        for queue_id in set(worker.get("queues") or []) | set(before.get("queues") or []):
            self._match_later(queue_id)

    def _free_capacity(self, worker: Dict[str, Any]) -> int:
        used = sum(o.get("capacityCost", 0) for o in worker.get("offers") or [])
        used += sum(a.get("capacityCost", 0) for a in worker.get("assignedJobs") or [])
        return int(worker.get("capacity", 0)) - used

    def _update_load(self, worker: Dict[str, Any]) -> None:
        capacity = worker.get("capacity") or 0
        used = sum(a.get("capacityCost", 0) for a in worker.get("assignedJobs") or [])
        worker["loadRatio"] = round(used / capacity, 4) if capacity else 0

    def _revoke_worker_offers(self, worker_id: str) -> None:
        worker = self._records["workers"][worker_id].body
        for offer in list(worker.get("offers") or []):
            job_record = self._records["jobs"].get(offer["jobId"])
            self._remove_offer(worker_id, offer["offerId"], offer["jobId"])
            if job_record is not None:
                self._emit(
                    offer_event(
                        "RouterWorkerOfferRevoked", worker_id, job_record.body, offer["offerId"], self._clock.now()
                    )
                )
                self._match_later(job_record.body.get("queueId"))

    # -- jobs -----------------------------------------------------------------------------------------------------
    def _after_upsert_jobs(self, key: str, before: Dict[str, Any], created: bool) -> None:
        record = self._records["jobs"][key]
        job = record.body
        now = self._clock.now()
        mode = kind_key((job.get("matchingMode") or {}).get("kind", "queueAndMatch"))
        if created:
            if mode == "scheduleandsuspend":
                job["status"] = "pendingSchedule"
            elif job.get("classificationPolicyId") and mode == "queueandmatch":
                job["status"] = "pendingClassification"  # as the live service answers (service recordings)
            else:
                job["status"] = "created"
            self._emit(
                job_event(
                    "RouterJobReceived",
                    job,
                    now,
                    jobStatus=job["status"],
                    classificationPolicyId=job.get("classificationPolicyId"),
                    priority=job.get("priority"),
                    requestedWorkerSelectors=job.get("requestedWorkerSelectors"),
                    scheduledOn=(job.get("matchingMode") or {}).get("scheduleAt"),
                    unavailableForMatching=mode != "queueandmatch",
                )
            )
            self._schedule(now + self._processing_delay, "process", key)
            return
        status = job.get("status")
        if status in TERMINAL_JOB_STATUSES:
            return
        before_mode = kind_key((before.get("matchingMode") or {}).get("kind", "queueAndMatch"))
        if status in ("waitingForActivation", "scheduled", "pendingSchedule") and mode == "queueandmatch":
            self._enqueue_or_classify(key)  # activation
        elif status == "queued":
            if mode == "suspend" and before_mode != "suspend":
                self._dequeue(key, job)
                self._set_status(key, "waitingForActivation")
                self._emit(self._waiting_event(job))
            elif before.get("queueId") != job.get("queueId"):
                self._dequeue(key, before)
                self._queue_job(key)
            else:
                self._match_later(job.get("queueId"))

    def _set_status(self, key: str, status: str) -> None:
        self._records["jobs"][key].body["status"] = status
        self._touch("jobs", key)

    def _waiting_event(self, job: Dict[str, Any]) -> Dict[str, Any]:
        return job_event(
            "RouterJobWaitingForActivation",
            job,
            self._clock.now(),
            priority=job.get("priority"),
            requestedWorkerSelectorsExpired=[
                s for s in job.get("requestedWorkerSelectors") or [] if s.get("status") == "expired"
            ],
            attachedWorkerSelectorsExpired=[
                s for s in job.get("attachedWorkerSelectors") or [] if s.get("status") == "expired"
            ],
            scheduledOn=(job.get("matchingMode") or {}).get("scheduleAt"),
            unavailableForMatching=True,
        )

    def _timer_process(self, key: str) -> None:
        record = self._records["jobs"].get(key)
        if record is None:
            return
        job = record.body
        mode = job.get("matchingMode") or {}
        kind = kind_key(mode.get("kind", "queueAndMatch"))
        if job.get("status") == "pendingSchedule":
            at = _parse_time(mode.get("scheduleAt"))
            if at is None:
                self._set_status(key, "scheduleFailed")
                self._emit(
                    job_event(
                        "RouterJobSchedulingFailed",
                        job,
                        self._clock.now(),
                        failureReason="scheduleAt is not a valid date-time",
                    )
                )
                return
            self._set_status(key, "scheduled")
            self._schedule(at, "activateSchedule", key)
            return
        if job.get("status") not in ("created", "pendingClassification"):
            return
        if kind == "suspend":
            self._set_status(key, "waitingForActivation")
            self._emit(self._waiting_event(job))
            return
        self._enqueue_or_classify(key)

    def _timer_activateSchedule(self, key: str) -> None:
        record = self._records["jobs"].get(key)
        if record is None or record.body.get("status") != "scheduled":
            return
        record.body["scheduledAt"] = iso(self._clock.now())
        self._set_status(key, "waitingForActivation")
        self._emit(self._waiting_event(record.body))

    def _enqueue_or_classify(self, key: str) -> None:
        job = self._records["jobs"][key].body
        policy_id = job.get("classificationPolicyId")
        if not policy_id:
            self._queue_job(key)
            return
        self._set_status(key, "pendingClassification")
        policy = self._records["classificationPolicies"].get(policy_id)
        try:
            if policy is None:
                raise ClassificationFailed(
                    "ClassificationPolicyNotFound", f"Classification policy {policy_id} does not exist."
                )
            result = classify(policy.body, job, queues=self._queue_bodies(), rng=self._rng, outbound=self._outbound)
        except ClassificationFailed as failure:
            self._set_status(key, "classificationFailed")
            self._emit(
                job_event(
                    "RouterJobClassificationFailed",
                    job,
                    self._clock.now(),
                    f"/classificationpolicy/{policy_id}",
                    classificationPolicyId=policy_id,
                    errors=[{"code": failure.code, "message": failure.message}],
                )
            )
            return
        job["queueId"] = result.queue_id
        job["priority"] = result.priority
        job["attachedWorkerSelectors"] = [self._activate_selector(key, s) for s in result.attached_worker_selectors]
        queue = self._records["queues"][result.queue_id].body
        self._emit(
            job_event(
                "RouterJobClassified",
                job,
                self._clock.now(),
                f"/queue/{result.queue_id}",
                queueDetails={"id": queue["id"], "name": queue.get("name"), "labels": queue.get("labels")},
                classificationPolicyId=policy_id,
                priority=result.priority,
                attachedWorkerSelectors=job["attachedWorkerSelectors"],
            )
        )
        self._queue_job(key)

    def _activate_selector(self, job_id: str, selector: Dict[str, Any]) -> Dict[str, Any]:
        selector = {**selector, "status": "active"}
        selector.setdefault("expedite", False)
        if selector.get("expiresAfterSeconds") is not None:
            expires = self._clock.now() + timedelta(seconds=float(selector["expiresAfterSeconds"]))
            selector["expiresAt"] = iso(expires)
            self._schedule(expires, "expireSelectors", job_id)
        return selector

    def _queue_job(self, key: str) -> None:
        record = self._records["jobs"][key]
        job = record.body
        now = self._clock.now()
        for selector in job.get("requestedWorkerSelectors") or []:
            if selector.get("expiresAfterSeconds") is not None and "expiresAt" not in selector:
                selector.update(self._activate_selector(key, selector))
        job["enqueuedAt"] = iso(now)
        self._enqueue_counter += 1
        record.internal["enqueueSeq"] = self._enqueue_counter  # breaks ties between jobs enqueued at the same time
        self._set_status(key, "queued")
        queue_id = job["queueId"]
        self._queued.setdefault(queue_id, set()).add(key)
        self._emit(
            job_event(
                "RouterJobQueued",
                job,
                now,
                f"/queue/{queue_id}",
                priority=job.get("priority"),
                attachedWorkerSelectors=job.get("attachedWorkerSelectors"),
                requestedWorkerSelectors=job.get("requestedWorkerSelectors"),
            )
        )
        self._check_exception_rules(key, on_enqueue=True)
        self._match_later(queue_id)

    def _dequeue(self, key: str, job: Dict[str, Any]) -> None:
        queue_id = job.get("queueId")
        if queue_id:
            self._queued.get(queue_id, set()).discard(key)
        record = self._records["jobs"].get(key)
        if record is not None:
            for offer_id, offer in list(record.internal.get("offers", {}).items()):
                self._remove_offer(offer["workerId"], offer_id, key)
                self._emit(
                    offer_event("RouterWorkerOfferRevoked", offer["workerId"], record.body, offer_id, self._clock.now())
                )

    def _timer_expireSelectors(self, key: str) -> None:
        record = self._records["jobs"].get(key)
        if record is None:
            return
        now = self._clock.now()
        expired: Dict[str, List[Dict[str, Any]]] = {"requestedWorkerSelectors": [], "attachedWorkerSelectors": []}
        for field, bucket in expired.items():
            for selector in record.body.get(field) or []:
                at = _parse_time(selector.get("expiresAt"))
                if selector.get("status") == "active" and at is not None and at <= now:
                    selector["status"] = "expired"
                    bucket.append(selector)
        if expired["requestedWorkerSelectors"] or expired["attachedWorkerSelectors"]:
            self._touch("jobs", key)
            self._emit(
                job_event(
                    "RouterJobWorkerSelectorsExpired",
                    record.body,
                    now,
                    f"/queue/{record.body.get('queueId')}",
                    requestedWorkerSelectorsExpired=expired["requestedWorkerSelectors"],
                    attachedWorkerSelectorsExpired=expired["attachedWorkerSelectors"],
                )
            )
            self._match_later(record.body.get("queueId"))

    # -- exception policies ---------------------------------------------------------------------------------------
    def _exception_rules(self, queue_id: Optional[str]) -> List[Dict[str, Any]]:
        queue = self._records["queues"].get(queue_id or "")
        policy_id = queue.body.get("exceptionPolicyId") if queue else None
        policy = self._records["exceptionPolicies"].get(policy_id or "")
        return list(policy.body.get("exceptionRules") or []) if policy else []

    def _check_exception_rules(self, key: str, *, on_enqueue: bool) -> None:
        record = self._records["jobs"][key]
        queue_id = record.body.get("queueId")
        fired = record.internal.setdefault("firedRules", [])
        for rule in self._exception_rules(queue_id):
            if rule["id"] in fired:
                continue
            trigger = rule.get("trigger") or {}
            kind = kind_key(trigger.get("kind"))
            if kind == "queuelength" and on_enqueue:
                if len(self._queued.get(queue_id or "", ())) > int(trigger.get("threshold", 0)):
                    self._fire_exception(key, rule)
            elif kind == "waittime" and on_enqueue:
                due = self._clock.now() + timedelta(seconds=float(trigger.get("thresholdSeconds", 0)))
                self._schedule(due, "waitTime", key, rule["id"], record.body.get("enqueuedAt", ""))

    def _timer_waitTime(self, key: str, rule_id: str, enqueued_at: str) -> None:
        record = self._records["jobs"].get(key)
        if record is None or record.body.get("status") != "queued" or record.body.get("enqueuedAt") != enqueued_at:
            return
        rule = next((r for r in self._exception_rules(record.body.get("queueId")) if r["id"] == rule_id), None)
        if rule is not None and rule_id not in record.internal.get("firedRules", []):
            self._fire_exception(key, rule)

    def _fire_exception(self, key: str, rule: Dict[str, Any]) -> None:
        record = self._records["jobs"][key]
        record.internal.setdefault("firedRules", []).append(rule["id"])
        job = record.body
        self._emit(
            job_event(
                "RouterJobExceptionTriggered",
                job,
                self._clock.now(),
                f"/exceptionrule/{rule['id']}",
                ruleKey=rule["id"],
                exceptionTriggerId=rule["id"],
            )
        )
        for action in rule.get("actions") or []:
            if job.get("status") in TERMINAL_JOB_STATUSES:
                return
            kind = kind_key(action.get("kind"))
            if kind == "cancel":
                self._cancel(key, action.get("note"), action.get("dispositionCode"))
            elif kind == "manualreclassify":
                self._dequeue(key, job)
                if action.get("queueId"):
                    job["queueId"] = action["queueId"]
                if action.get("priority") is not None:
                    job["priority"] = action["priority"]
                if action.get("workerSelectors") is not None:
                    job["attachedWorkerSelectors"] = [
                        self._activate_selector(key, s) for s in action["workerSelectors"]
                    ]
                self._queue_job(key)
            elif kind == "reclassify":
                self._dequeue(key, job)
                if action.get("classificationPolicyId"):
                    job["classificationPolicyId"] = action["classificationPolicyId"]
                job["labels"] = {**(job.get("labels") or {}), **(action.get("labelsToUpsert") or {})}
                job.pop("queueId", None)
                self._enqueue_or_classify(key)

    # -- matching -------------------------------------------------------------------------------------------------
    def _timer_match(self, queue_id: str) -> None:
        self._match_pending.discard(queue_id)
        queue = self._records["queues"].get(queue_id)
        if queue is None:
            return
        policy_record = self._records["distributionPolicies"].get(queue.body.get("distributionPolicyId", ""))
        if policy_record is None:
            return
        policy = policy_record.body
        mode = policy.get("mode") or {}
        max_offers = int(mode.get("maxConcurrentOffers", 1))
        min_offers = int(mode.get("minConcurrentOffers", 1))
        bypass = bool(mode.get("bypassSelectors"))
        job_records = [self._records["jobs"][j] for j in self._queued.get(queue_id, ()) if j in self._records["jobs"]]

        def order(record: _Record) -> Tuple[int, int, int]:
            job = record.body
            expedite = any(
                s.get("expedite") and s.get("status") == "active"
                for s in (job.get("requestedWorkerSelectors") or []) + (job.get("attachedWorkerSelectors") or [])
            )
            return (0 if expedite else 1, -int(job.get("priority", 1)), record.internal.get("enqueueSeq", 0))

        # Matching stops as soon as no worker of the queue can take any job (the free set is kept current).
        free_in_queue = self._free_in_queue.setdefault(queue_id, set())
        for record in sorted(job_records, key=order):
            if not free_in_queue:
                break
            current = len(record.internal.get("offers", {}))
            if current >= max_offers:
                continue
            plausible = self._workers_to_consider(queue_id, record, bypass)
            eligible = sorted(w for w in plausible if self._eligible(w, record, bypass))
            if current + len(eligible) < min_offers:
                continue
            chosen = self._rank(queue_id, mode, record.body, eligible)[: max_offers - current]
            for worker_id in chosen:
                self._issue_offer(worker_id, record, policy)  # updates the free sets through _touch

    def _eligible(self, worker_id: str, job_record: _Record, bypass: bool) -> bool:
        worker_record = self._records["workers"].get(worker_id)
        if worker_record is None:
            return False
        worker = worker_record.body
        job = job_record.body
        if worker.get("state") != "active" or not worker.get("availableForOffers"):
            return False
        if any(o["workerId"] == worker_id for o in job_record.internal.get("offers", {}).values()):
            return False
        declined = job_record.internal.get("declined", {}).get(worker_id)
        if declined is not None and declined[1] == worker_record.internal.get("epoch", 0):
            retry_at = _parse_time(declined[0])
            if retry_at is None or retry_at > self._clock.now():
                return False
        channel = next((c for c in worker.get("channels") or [] if c.get("channelId") == job.get("channelId")), None)
        if channel is None:
            return False
        cost = int(channel.get("capacityCostPerJob", 0))
        if cost > self._free_capacity(worker):
            return False
        if channel.get("maxNumberOfJobs") is not None:
            held = [o["jobId"] for o in worker.get("offers") or []] + [
                a["jobId"] for a in worker.get("assignedJobs") or []
            ]
            in_channel = sum(1 for j in held if self._channel_of(j) == job.get("channelId"))
            if in_channel >= int(channel["maxNumberOfJobs"]):
                return False
        if bypass:
            return True
        selectors = (job.get("requestedWorkerSelectors") or []) + (job.get("attachedWorkerSelectors") or [])
        return satisfies(worker.get("labels") or {}, selectors)

    def _channel_of(self, job_id: str) -> Optional[str]:
        record = self._records["jobs"].get(job_id)
        return record.body.get("channelId") if record else None

    def _rank(self, queue_id: str, mode: Dict[str, Any], job: Dict[str, Any], eligible: List[str]) -> List[str]:
        def idle_since(worker_id: str) -> str:
            return self._records["workers"][worker_id].internal.get("idleSince", "")

        by_idle = sorted(eligible, key=lambda w: (idle_since(w), w))
        kind = kind_key(mode.get("kind"))
        if kind == "roundrobin":
            ordered = sorted(eligible)
            if not ordered:
                return []
            start = self._round_robin.get(queue_id, 0) % len(ordered)
            self._round_robin[queue_id] = start + 1
            return ordered[start:] + ordered[:start]
        if kind == "bestworker":
            ranked = rank_best_workers(
                mode, job, [self._records["workers"][w].body for w in by_idle], outbound=self._outbound
            )
            return [w["id"] for w in ranked]
        return by_idle

    def _issue_offer(self, worker_id: str, job_record: _Record, policy: Dict[str, Any]) -> None:
        worker = self._records["workers"][worker_id].body
        job = job_record.body
        now = self._clock.now()
        channel = next(c for c in worker.get("channels") or [] if c.get("channelId") == job.get("channelId"))
        expires = now + timedelta(seconds=float(policy.get("offerExpiresAfterSeconds") or DEFAULT_OFFER_SECONDS))
        offer_id = str(uuid.uuid4())
        cost = int(channel.get("capacityCostPerJob", 0))
        worker.setdefault("offers", []).append(
            {
                "offerId": offer_id,
                "jobId": job["id"],
                "capacityCost": cost,
                "offeredAt": iso(now),
                "expiresAt": iso(expires),
            }
        )
        job_record.internal.setdefault("offers", {})[offer_id] = {"workerId": worker_id, "expiresAt": iso(expires)}
        self._touch("workers", worker_id)
        self._touch("jobs", job["id"])
        self._schedule(expires, "expireOffer", job["id"], offer_id)
        self._emit(
            offer_event(
                "RouterWorkerOfferIssued",
                worker_id,
                job,
                offer_id,
                now,
                offeredOn=iso(now),
                expiresOn=iso(expires),
                jobPriority=job.get("priority"),
                jobLabels=job.get("labels"),
                jobTags=job.get("tags"),
            )
        )

    def _remove_offer(self, worker_id: str, offer_id: str, job_id: str) -> None:
        worker_record = self._records["workers"].get(worker_id)
        if worker_record is not None:
            worker_record.body["offers"] = [
                o for o in worker_record.body.get("offers") or [] if o["offerId"] != offer_id
            ]
            self._touch("workers", worker_id)
        job_record = self._records["jobs"].get(job_id)
        if job_record is not None:
            job_record.internal.get("offers", {}).pop(offer_id, None)
            self._touch("jobs", job_id)

    def _record_decline(self, job_record: _Record, worker_id: str, retry_at: Optional[str]) -> None:
        epoch = (
            self._records["workers"][worker_id].internal.get("epoch", 0) if worker_id in self._records["workers"] else 0
        )
        job_record.internal.setdefault("declined", {})[worker_id] = [retry_at, epoch]

    def _timer_expireOffer(self, job_id: str, offer_id: str) -> None:
        job_record = self._records["jobs"].get(job_id)
        if job_record is None or offer_id not in job_record.internal.get("offers", {}):
            return
        worker_id = job_record.internal["offers"][offer_id]["workerId"]
        self._remove_offer(worker_id, offer_id, job_id)
        # An unanswered offer counts as a decline: the job moves on to other workers rather than ringing the
        # same one again; the worker becomes eligible for it again when it re-registers.
        self._record_decline(job_record, worker_id, None)
        self._emit(offer_event("RouterWorkerOfferExpired", worker_id, job_record.body, offer_id, self._clock.now()))
        self._match_later(job_record.body.get("queueId"))

    # -- offer and job actions ------------------------------------------------------------------------------------
    def _job(self, job_id: str, target: str) -> _Record:
        record = self._records["jobs"].get(job_id)
        if record is None:
            raise NotFound("The item was not found.", target=target)
        return record

    def _offer(self, worker_id: str, offer_id: str, handler: str, target: str) -> Dict[str, Any]:
        worker = self._records["workers"].get(worker_id)
        offer = (
            next((o for o in (worker.body.get("offers") or []) if o["offerId"] == offer_id), None) if worker else None
        )
        if offer is None:
            raise NotFound(f"{handler}: Offer not found. OfferId: {offer_id}, WorkerId: {worker_id}", target=target)
        return offer

    def accept_job_offer(self, worker_id: str, offer_id: str) -> Dict[str, Any]:
        target = f"/routing/workers/{worker_id}/offers/{offer_id}:accept"
        with self._lock, self._transaction():
            offer = self._offer(worker_id, offer_id, "AcceptOfferCommandHandler", target)
            job_record = self._job(offer["jobId"], target)
            job = job_record.body
            worker_record = self._records["workers"][worker_id]
            now = self._clock.now()
            self._remove_offer(worker_id, offer_id, job["id"])
            for other_id, other in list(job_record.internal.get("offers", {}).items()):
                self._remove_offer(other["workerId"], other_id, job["id"])
                self._emit(offer_event("RouterWorkerOfferRevoked", other["workerId"], job, other_id, now))
            assignment_id = str(uuid.uuid4())
            job.setdefault("assignments", {})[assignment_id] = {
                "assignmentId": assignment_id,
                "workerId": worker_id,
                "assignedAt": iso(now),
            }
            self._queued.get(job.get("queueId", ""), set()).discard(job["id"])
            self._set_status(job["id"], "assigned")
            worker_record.body.setdefault("assignedJobs", []).append(
                {
                    "assignmentId": assignment_id,
                    "jobId": job["id"],
                    "capacityCost": offer["capacityCost"],
                    "assignedAt": iso(now),
                }
            )
            worker_record.internal["idleSince"] = iso(now)
            self._update_load(worker_record.body)
            self._touch("workers", worker_id)
            self._emit(
                offer_event(
                    "RouterWorkerOfferAccepted",
                    worker_id,
                    job,
                    offer_id,
                    now,
                    assignmentId=assignment_id,
                    jobPriority=job.get("priority"),
                    jobLabels=job.get("labels"),
                    jobTags=job.get("tags"),
                )
            )
            return {"assignmentId": assignment_id, "jobId": job["id"], "workerId": worker_id}

    def decline_job_offer(self, worker_id: str, offer_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        target = f"/routing/workers/{worker_id}/offers/{offer_id}:decline"
        body = body or {}
        with self._lock, self._transaction():
            offer = self._offer(worker_id, offer_id, "DeclineOfferCommandHandler", target)
            job_record = self._job(offer["jobId"], target)
            retry_at = body.get("retryOfferAt")
            if retry_at is not None and _parse_time(retry_at) is None:
                raise BadRequest("retryOfferAt must be an ISO 8601 date-time.", target="retryOfferAt")
            self._remove_offer(worker_id, offer_id, job_record.body["id"])
            self._record_decline(job_record, worker_id, retry_at)
            if retry_at is not None:
                self._schedule(_parse_time(retry_at) or self._clock.now(), "match", job_record.body.get("queueId", ""))
            self._emit(
                offer_event("RouterWorkerOfferDeclined", worker_id, job_record.body, offer_id, self._clock.now())
            )
            self._match_later(job_record.body.get("queueId"))
            return {}

    def _assignment(self, job_record: _Record, assignment_id: str, target: str) -> Dict[str, Any]:
        assignment = (job_record.body.get("assignments") or {}).get(assignment_id)
        if assignment is None:
            raise NotFound(f"Assignment {assignment_id} not found for job {job_record.body['id']}.", target=target)
        return assignment

    def _release_worker(self, worker_id: str, assignment_id: str) -> None:
        worker_record = self._records["workers"].get(worker_id)
        if worker_record is None:
            return
        worker = worker_record.body
        worker["assignedJobs"] = [a for a in worker.get("assignedJobs") or [] if a["assignmentId"] != assignment_id]
        if not worker.get("availableForOffers"):
            worker["state"] = "draining" if worker["assignedJobs"] else "inactive"
        worker_record.internal["idleSince"] = iso(self._clock.now())
        self._update_load(worker)
        self._touch("workers", worker_id)
        for queue_id in worker.get("queues") or []:
            self._match_later(queue_id)

    def complete_job(self, job_id: str, assignment_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        target = f"/routing/jobs/{job_id}/assignments/{assignment_id}:complete"
        with self._lock, self._transaction():
            record = self._job(job_id, target)
            assignment = self._assignment(record, assignment_id, target)
            if record.body.get("status") != "assigned" or assignment.get("completedAt"):
                raise BadRequest(
                    f"Job {job_id} is {record.body.get('status')}; only an assigned job can be completed.",
                    target=target,
                )
            now = self._clock.now()
            assignment["completedAt"] = iso(now)
            self._add_note(record.body, (body or {}).get("note"))
            self._set_status(job_id, "completed")
            self._emit(
                job_event(
                    "RouterJobCompleted",
                    record.body,
                    now,
                    f"/assignment/{assignment_id}",
                    assignmentId=assignment_id,
                    workerId=assignment["workerId"],
                )
            )
            return {}

    def close_job(self, job_id: str, assignment_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        target = f"/routing/jobs/{job_id}/assignments/{assignment_id}:close"
        body = body or {}
        with self._lock, self._transaction():
            record = self._job(job_id, target)
            assignment = self._assignment(record, assignment_id, target)
            if record.body.get("status") not in ("assigned", "completed") or assignment.get("closedAt"):
                raise BadRequest(f"Job {job_id} is {record.body.get('status')}; it cannot be closed.", target=target)
            close_at = _parse_time(body.get("closeAt")) if body.get("closeAt") else None
            if body.get("closeAt") and close_at is None:
                raise BadRequest("closeAt must be an ISO 8601 date-time.", target="closeAt")
            self._add_note(record.body, body.get("note"))
            if body.get("dispositionCode") is not None:
                record.body["dispositionCode"] = body["dispositionCode"]
            if close_at is not None and close_at > self._clock.now():
                self._touch("jobs", job_id)
                self._schedule(close_at, "close", job_id, assignment_id)
            else:
                self._timer_close(job_id, assignment_id)
            return {}

    def _timer_close(self, job_id: str, assignment_id: str) -> None:
        record = self._records["jobs"].get(job_id)
        if record is None:
            return
        assignment = (record.body.get("assignments") or {}).get(assignment_id)
        if assignment is None or assignment.get("closedAt"):
            return
        now = self._clock.now()
        assignment.setdefault("completedAt", iso(now))
        assignment["closedAt"] = iso(now)
        # The live service records "Closed" when the caller gives no disposition code (service recordings).
        record.body.setdefault("dispositionCode", "Closed")
        self._set_status(job_id, "closed")
        self._release_worker(assignment["workerId"], assignment_id)
        self._emit(
            job_event(
                "RouterJobClosed",
                record.body,
                now,
                f"/assignment/{assignment_id}",
                assignmentId=assignment_id,
                workerId=assignment["workerId"],
                dispositionCode=record.body.get("dispositionCode"),
            )
        )

    def _add_note(self, job: Dict[str, Any], note: Optional[str]) -> None:
        if note:
            job.setdefault("notes", []).append({"message": note, "addedAt": iso(self._clock.now())})

    def cancel_job(self, job_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        target = f"/routing/jobs/{job_id}:cancel"
        body = body or {}
        with self._lock, self._transaction():
            record = self._job(job_id, target)
            if record.body.get("status") in TERMINAL_JOB_STATUSES | {"completed"}:
                raise BadRequest(f"Job {job_id} is {record.body.get('status')} and cannot be cancelled.", target=target)
            self._cancel(job_id, body.get("note"), body.get("dispositionCode"))
            return {}

    def _cancel(self, job_id: str, note: Optional[str], disposition_code: Optional[str]) -> None:
        record = self._records["jobs"][job_id]
        job = record.body
        self._dequeue(job_id, job)
        for assignment in (job.get("assignments") or {}).values():
            if not assignment.get("closedAt"):
                self._release_worker(assignment["workerId"], assignment["assignmentId"])
        self._add_note(job, note)
        if disposition_code is not None:
            job["dispositionCode"] = disposition_code
        self._set_status(job_id, "cancelled")
        self._emit(
            job_event(
                "RouterJobCancelled",
                job,
                self._clock.now(),
                f"/disposition/{disposition_code}",
                note=note,
                dispositionCode=disposition_code,
            )
        )

    def reclassify_job(self, job_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        target = f"/routing/jobs/{job_id}:reclassify"
        with self._lock, self._transaction():
            record = self._job(job_id, target)
            job = record.body
            if job.get("status") not in (
                "queued",
                "classificationFailed",
                "pendingClassification",
                "waitingForActivation",
            ):
                raise BadRequest(f"Job {job_id} is {job.get('status')} and cannot be reclassified.", target=target)
            if not job.get("classificationPolicyId"):
                raise BadRequest(f"Job {job_id} has no classificationPolicyId to reclassify with.", target=target)
            self._dequeue(job_id, job)
            job.pop("queueId", None)
            self._enqueue_or_classify(job_id)
            return {}

    def unassign_job(self, job_id: str, assignment_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        target = f"/routing/jobs/{job_id}/assignments/{assignment_id}:unassign"
        body = body or {}
        with self._lock, self._transaction():
            record = self._job(job_id, target)
            assignment = self._assignment(record, assignment_id, target)
            if record.body.get("status") != "assigned":
                raise BadRequest(
                    f"Job {job_id} is {record.body.get('status')}; only an assigned job can be unassigned.",
                    target=target,
                )
            del record.body["assignments"][assignment_id]
            record.internal["unassignments"] = record.internal.get("unassignments", 0) + 1
            self._release_worker(assignment["workerId"], assignment_id)
            now = self._clock.now()
            self._emit(
                job_event(
                    "RouterJobUnassigned",
                    record.body,
                    now,
                    f"/assignment/{assignment_id}",
                    assignmentId=assignment_id,
                    workerId=assignment["workerId"],
                )
            )
            if body.get("suspendMatching"):
                record.body["matchingMode"] = {"kind": "suspend"}
                self._set_status(job_id, "waitingForActivation")
                self._emit(self._waiting_event(record.body))
            else:
                self._queue_job(job_id)
            return {"jobId": job_id, "unassignmentCount": record.internal["unassignments"]}

    # -- queue views ----------------------------------------------------------------------------------------------
    def _ordered_queue(self, queue_id: str) -> List[Dict[str, Any]]:
        records = [self._records["jobs"][j] for j in self._queued.get(queue_id, ()) if j in self._records["jobs"]]
        records.sort(key=lambda r: (-int(r.body.get("priority", 1)), r.internal.get("enqueueSeq", 0)))
        return [r.body for r in records]

    def get_queue_position(self, job_id: str) -> Dict[str, Any]:
        with self._lock:
            record = self._job(job_id, f"/routing/jobs/{job_id}/position")
            queue_id = record.body.get("queueId")
            if record.body.get("status") != "queued" or not queue_id:
                raise NotFound(f"Job {job_id} is not in a queue.", target=f"/routing/jobs/{job_id}/position")
            ordered = self._ordered_queue(queue_id)
            position = next(i for i, job in enumerate(ordered) if job["id"] == job_id) + 1
            return {
                "jobId": job_id,
                "position": position,
                "queueId": queue_id,
                "queueLength": len(ordered),
                "estimatedWaitTimeMinutes": float(position),
            }

    def get_queue_statistics(self, queue_id: str) -> Dict[str, Any]:
        with self._lock:
            if queue_id not in self._records["queues"]:
                raise NotFound("The item was not found.", target=f"/routing/queues/{queue_id}/statistics")
            ordered = self._ordered_queue(queue_id)
            now = self._clock.now()
            waits = [(now - (_parse_time(j.get("enqueuedAt")) or now)).total_seconds() / 60 for j in ordered]
            by_priority: Dict[str, float] = {}
            for index, job in enumerate(ordered):
                by_priority.setdefault(str(job.get("priority", 1)), float(index + 1))
            return {
                "queueId": queue_id,
                "length": len(ordered),
                "estimatedWaitTimeMinutes": by_priority,
                "longestJobWaitTimeMinutes": round(max(waits), 4) if waits else 0.0,
            }

    def queued_job_ids(self, queue_id: str) -> Iterable[str]:
        with self._lock:
            return [job["id"] for job in self._ordered_queue(queue_id)]
