"""Outbound calls of function and webhook rules, over httpx with timeouts and bounded retries.

- Azure Function rules POST the payload to ``functionUri``; a ``functionKey`` travels in ``x-functions-key``, an
  ``appKey`` with its ``clientId`` as the ``code`` and ``clientId`` query parameters (the host-key form).
- Webhook rules first get an OAuth2 token from ``authorizationServerUri`` with the client-credentials grant
  (``clientId``/``clientSecret``), cache it until shortly before it expires, then POST with ``Bearer`` auth.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, Optional, Protocol, Tuple

from .errors import RuleEvaluationError


class Outbound(Protocol):
    def call_function(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to the function rule's URI; its JSON answer."""
        ...

    def call_webhook(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to the webhook rule's URI with an OAuth2 token; its JSON answer."""
        ...


class HttpOutbound:
    def __init__(self, *, timeout: float = 5.0, retries: int = 2, client: Any = None) -> None:
        import httpx

        self._client = client or httpx.Client(timeout=timeout)
        self._retries = retries
        self._tokens: Dict[Tuple[str, str], Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _post(self, url: str, **options: Any) -> Any:
        import httpx

        last_error: Optional[Exception] = None
        for attempt in range(self._retries + 1):
            try:
                response = self._client.post(url, **options)
            except httpx.HTTPError as exc:
                last_error = exc
            else:
                if response.status_code < 500 and response.status_code != 429:
                    if response.status_code >= 300:
                        raise RuleEvaluationError(f"{url} answered {response.status_code}")
                    return response
                last_error = RuleEvaluationError(f"{url} answered {response.status_code}")
            time.sleep(min(0.1 * 2**attempt, 1.0))
        raise RuleEvaluationError(f"Calling {url} failed after {self._retries + 1} attempts: {last_error}")

    @staticmethod
    def _json(response: Any, url: str) -> Any:
        try:
            return json.loads(response.text)
        except ValueError as exc:
            raise RuleEvaluationError(f"{url} did not answer JSON") from exc

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
        return self._json(self._post(url, json=payload, headers=headers, params=params), url)

    def _token(self, rule: Dict[str, Any]) -> str:
        server = rule.get("authorizationServerUri")
        credential = rule.get("clientCredential") or {}
        if not server or not credential.get("clientId"):
            raise RuleEvaluationError("The webhook rule needs authorizationServerUri and clientCredential.clientId")
        key = (server, credential["clientId"])
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] > time.monotonic():
                return cached[0]
        response = self._post(
            server,
            data={
                "grant_type": "client_credentials",
                "client_id": credential["clientId"],
                "client_secret": credential.get("clientSecret", ""),
            },
        )
        body = self._json(response, server)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise RuleEvaluationError(f"{server} gave no access_token")
        lifetime = float(body.get("expires_in", 3600))
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(0.0, lifetime - 30))
        return token

    def call_webhook(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to ``webhookUri`` with a client-credentials token; its JSON answer."""
        url = rule.get("webhookUri")
        if not url:
            raise RuleEvaluationError("The webhook rule has no webhookUri")
        token = self._token(rule)
        return self._json(self._post(url, json=payload, headers={"Authorization": f"Bearer {token}"}), url)
