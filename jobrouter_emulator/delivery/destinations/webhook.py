"""Webhooks, as Event Grid delivers to them: a POST per batch, and the validation handshake of each schema first.

Every call goes through the emulator's :class:`~jobrouter_emulator.outbound.BoundedHttp`: one deadline per attempt,
answers read up to 1 MB (a larger one fails the attempt, which is retried like a bad status), redirects not
followed. What counts as delivered and what is retried is :mod:`..policy`'s.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence, Tuple

from ...outbound import AnswerTooLarge, BoundedHttp, NoAnswer, OutboundError
from .. import policy, wire
from ..subscription import CLOUD_EVENT_SCHEMA, EventSubscription
from .base import Handshake, Outcome

logger = logging.getLogger(__name__)


class WebHookDestination:
    def __init__(self, subscription: EventSubscription, http: BoundedHttp) -> None:
        self._subscription = subscription
        self._http = http
        # aeg-delivery-count: the attempts made before this one at the same batch (the ids of the last one sent).
        self._last_batch: Tuple[str, ...] = ()
        self._attempts = 0

    def send(self, events: Sequence[Mapping[str, Any]], deadline: float) -> Outcome:
        ids = tuple(str(event.get("id")) for event in events)
        self._attempts = self._attempts + 1 if ids == self._last_batch else 0
        self._last_batch = ids
        body, headers = wire.notification(self._subscription, events, self._attempts)
        try:
            answer = self._http.request(
                "POST", self._subscription.endpoint_url, deadline=deadline, content=body, headers=headers
            )
        except AnswerTooLarge as exc:
            return Outcome(False, exc.status, f"HTTP {exc.status} with {exc}", retry=True)
        except NoAnswer:
            return Outcome(False, None, policy.NO_ANSWER, retry=True)
        except OutboundError as exc:
            return Outcome(False, None, f"{policy.NO_CONNECTION}: {exc}", retry=True)
        if answer.status in policy.SUCCESS_STATUSES:
            self._last_batch, self._attempts = (), 0
            return Outcome(True, answer.status, f"HTTP {answer.status}", retry=False)
        return Outcome(False, answer.status, f"HTTP {answer.status}", retry=answer.status not in policy.NOT_RETRIED)

    def handshake(self, code: str, validation_url: str, deadline: float) -> Tuple[Handshake, str]:
        """Event Grid schema: the validation event, whose code must come back (else a manual GET is awaited);
        CloudEvents: the OPTIONS abuse-protection request, whose ``WebHook-Allowed-Origin`` is the consent."""
        subscription, url = self._subscription, self._subscription.endpoint_url
        try:
            if subscription.event_delivery_schema == CLOUD_EVENT_SCHEMA:
                answer = self._http.request("OPTIONS", url, deadline=deadline, headers=wire.abuse_protection_headers())
                # Consent is the header, whatever the success status (CloudEvents' webhook spec).
                if 200 <= answer.status < 300 and wire.origin_allowed(answer.headers):
                    return Handshake.AGREED, ""
                return Handshake.REFUSED, f"status {answer.status}"
            body, headers = wire.validation_request(subscription, code, validation_url)
            answer = self._http.request("POST", url, deadline=deadline, content=body, headers=headers)
        except OutboundError as exc:
            return Handshake.REFUSED, str(exc)
        if answer.status != 200:
            return Handshake.REFUSED, f"status {answer.status}"
        if wire.validation_code_returned(answer.body, code):
            return Handshake.AGREED, ""
        return Handshake.MANUAL, "the validation code did not come back"

    def close(self) -> None:
        """Nothing of its own: connections belong to the shared pool, which keeps a bounded number idle."""
        self._last_batch = ()

