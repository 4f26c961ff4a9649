"""Outbound calls of function and webhook rules, over httpx, each within one overall deadline and a size cap.

- Azure Function rules POST the payload to ``functionUri``; a ``functionKey`` travels in ``x-functions-key``, an
  ``appKey`` with its ``clientId`` as the ``code`` and ``clientId`` query parameters (the host-key form).
- Webhook rules first get an OAuth2 token from ``authorizationServerUri`` with the client-credentials grant
  (``clientId``/``clientSecret``), cache it until shortly before it expires, then POST with ``Bearer`` auth.

A rule call (the token, the request, its retries) ends at its deadline whatever the server does, and its answers
are read up to ``max_response_bytes``: both come from :class:`~jobrouter_emulator.outbound.BoundedHttp`, the helper
every outbound call of the emulator shares (webhook deliveries and their handshakes too). Answers are parsed as
strict JSON (:mod:`..strict_json`), since they flow into jobs. The router makes these calls outside its lock
(:mod:`.calls`); the calling thread waits here.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Dict, Optional, Protocol, Tuple

from ...outbound import AnswerTooLarge, BoundedHttp, NoAnswer, OutboundError, Unreachable
from .. import strict_json
from .errors import RuleEvaluationError


class Outbound(Protocol):
    def call_function(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to the function rule's URI; its JSON answer."""
        ...

    def call_webhook(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to the webhook rule's URI with an OAuth2 token; its JSON answer."""
        ...


class HttpOutbound:
    def __init__(
        self,
        *,
        deadline: float = 10.0,
        retries: int = 2,
        max_response_bytes: int = 1024 * 1024,
        http: Optional[BoundedHttp] = None,
    ) -> None:
        """``http``: the emulator's shared outbound helper (closed by its owner); without one, a helper of its own."""
        self._deadline = deadline
        self._retries = retries
        self._max_bytes = max_response_bytes
        self._tokens: Dict[Tuple[str, str], Tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._owns_http = http is None
        self._http = http if http is not None else BoundedHttp(max_answer_bytes=max_response_bytes)

    def close(self) -> None:
        """Cancel the calls under way (their callers get a RuleEvaluationError), when the helper is this one's."""
        if self._owns_http:
            self._http.close()

    def _post(self, url: str, deadline: float, **options: Any) -> bytes:
        """The body of a 2xx answer to a POST, with retries of 429, 5xx and broken connections, all by ``deadline``."""
        last_error: Optional[Exception] = None
        for attempt in range(self._retries + 1):
            try:
                answer = self._http.request("POST", url, deadline=deadline, **options)
            except AnswerTooLarge:
                raise RuleEvaluationError(f"{url} answered more than {self._max_bytes} bytes") from None
            except NoAnswer:
                raise RuleEvaluationError(f"{url} did not answer within {self._deadline:g} s") from None
            except Unreachable as exc:
                last_error = exc
            except OutboundError as exc:  # the emulator is stopping
                raise RuleEvaluationError(f"The call to {url} was not made or was cancelled: {exc}") from None
            else:
                if answer.status < 500 and answer.status != 429:
                    if answer.status >= 300:
                        raise RuleEvaluationError(f"{url} answered {answer.status}")
                    if len(answer.body) > self._max_bytes:
                        raise RuleEvaluationError(f"{url} answered more than {self._max_bytes} bytes")
                    return answer.body
                last_error = RuleEvaluationError(f"{url} answered {answer.status}")
            pause = min(0.1 * 2**attempt, 1.0)
            if time.monotonic() + pause >= deadline:
                raise RuleEvaluationError(f"{url} did not answer within {self._deadline:g} s")
            time.sleep(pause)
        raise RuleEvaluationError(f"Calling {url} failed after {self._retries + 1} attempts: {last_error}")

    @staticmethod
    def _json(body: bytes, url: str) -> Any:
        try:
            return strict_json.loads(body)
        except strict_json.JsonRejected as exc:
            raise RuleEvaluationError(exc.sentence(f"The answer of {url}")) from None

    def call_function(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to ``functionUri`` (key in a header or the query); its JSON answer."""
        url = rule.get("functionUri")
        if not url:
            raise RuleEvaluationError("The function rule has no functionUri")
        credential = rule.get("credential") or {}
        headers, params = {}, {}
        if credential.get("functionKey"):
            headers["x-functions-key"] = credential["functionKey"]
        elif credential.get("appKey"):
            params = {"code": credential["appKey"], "clientId": credential.get("clientId", "")}
        deadline = time.monotonic() + self._deadline
        return self._json(self._post(url, deadline, json=payload, headers=headers, params=params), url)

    def call_webhook(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to ``webhookUri`` with a client-credentials token; its JSON answer."""
        url = rule.get("webhookUri")
        if not url:
            raise RuleEvaluationError("The webhook rule has no webhookUri")
        deadline = time.monotonic() + self._deadline  # the token, the call and their retries together
        token = self._token(rule, deadline)
        return self._json(self._post(url, deadline, json=payload, headers={"Authorization": f"Bearer {token}"}), url)

    def _token(self, rule: Dict[str, Any], deadline: float) -> str:
        server = rule.get("authorizationServerUri")
        credential = rule.get("clientCredential") or {}
        if not server or not credential.get("clientId"):
            raise RuleEvaluationError("The webhook rule needs authorizationServerUri and clientCredential.clientId")
        key = (server, credential["clientId"])
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        form = {
            "grant_type": "client_credentials",
            "client_id": credential["clientId"],
            "client_secret": credential.get("clientSecret", ""),
        }
        body = self._json(self._post(server, deadline, data=form), server)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise RuleEvaluationError(f"{server} gave no access_token")
        try:
            seconds = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            seconds = 3600.0
        if not math.isfinite(seconds):
            seconds = 3600.0
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + min(max(0.0, seconds - 30), 86400.0))
        return token
