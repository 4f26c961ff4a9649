"""Outbound calls of function and webhook rules, over httpx, each within one overall deadline and a size cap.

- Azure Function rules POST the payload to ``functionUri``; a ``functionKey`` travels in ``x-functions-key``, an
  ``appKey`` with its ``clientId`` as the ``code`` and ``clientId`` query parameters (the host-key form).
- Webhook rules first get an OAuth2 token from ``authorizationServerUri`` with the client-credentials grant
  (``clientId``/``clientSecret``), cache it until shortly before it expires, then POST with ``Bearer`` auth.

A rule call (the token, the request, its retries) ends at its deadline whatever the server does: httpx's timeouts
bound each read, so a server trickling a byte every few seconds would hold a call for ever. The calls therefore run
as coroutines on an event loop of their own (one thread, started on the first call), where the deadline cancels
them wherever they are. Answers are read up to ``max_response_bytes`` and as strict JSON
(:mod:`..strict_json`), since they flow into jobs. The router makes these calls outside its lock
(:mod:`.calls`); the calling thread waits here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import threading
import time
from typing import Any, Coroutine, Dict, Optional, Protocol, Tuple

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
    def __init__(self, *, deadline: float = 10.0, retries: int = 2, max_response_bytes: int = 1024 * 1024) -> None:
        self._deadline = deadline
        self._retries = retries
        self._max_bytes = max_response_bytes
        self._tokens: Dict[Tuple[str, str], Tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._client: Any = None
        self._closed = False

    def close(self) -> None:
        """Cancel the calls under way (their callers get a RuleEvaluationError) and stop the event loop."""
        with self._lock:
            self._closed = True
            loop, self._loop = self._loop, None
        if loop is None:
            return

        async def shut() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._client.aclose()

        asyncio.run_coroutine_threadsafe(shut(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuleEvaluationError("The emulator is stopping; the rule was not called")
            if self._loop is None:
                import httpx

                loop = asyncio.new_event_loop()

                def run() -> None:
                    loop.run_forever()
                    loop.close()

                threading.Thread(target=run, name="jobrouter-rule-calls", daemon=True).start()
                self._client = httpx.AsyncClient(timeout=self._deadline)
                self._loop = loop
            return self._loop

    def _run(self, call: Coroutine[Any, Any, Any], url: str) -> Any:
        """Run ``call`` on the loop; its result, or a RuleEvaluationError at the deadline."""
        try:
            loop = self._running_loop()
        except RuleEvaluationError:
            call.close()
            raise
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(call, self._deadline), loop)
        try:
            return future.result()
        except (asyncio.TimeoutError, concurrent.futures.TimeoutError):
            raise RuleEvaluationError(f"{url} did not answer within {self._deadline:g} s") from None
        except concurrent.futures.CancelledError:
            raise RuleEvaluationError(f"The call to {url} was cancelled: the emulator is stopping") from None

    async def _post(self, url: str, **options: Any) -> bytes:
        """The body of a 2xx answer to a POST, with retries of 429 and 5xx (within the caller's deadline)."""
        import httpx

        last_error: Optional[Exception] = None
        for attempt in range(self._retries + 1):
            try:
                async with self._client.stream("POST", url, **options) as response:
                    if response.status_code < 500 and response.status_code != 429:
                        if response.status_code >= 300:
                            raise RuleEvaluationError(f"{url} answered {response.status_code}")
                        return await self._read(response, url)
                    last_error = RuleEvaluationError(f"{url} answered {response.status_code}")
            except httpx.HTTPError as exc:
                last_error = exc
            await asyncio.sleep(min(0.1 * 2**attempt, 1.0))
        raise RuleEvaluationError(f"Calling {url} failed after {self._retries + 1} attempts: {last_error}")

    async def _read(self, response: Any, url: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise RuleEvaluationError(f"{url} answered {declared} bytes, more than {self._max_bytes}")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise RuleEvaluationError(f"{url} answered more than {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

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
        body = self._run(self._post(url, json=payload, headers=headers, params=params), url)
        return self._json(body, url)

    def call_webhook(self, rule: Dict[str, Any], payload: Dict[str, Any]) -> Any:
        """POST ``payload`` to ``webhookUri`` with a client-credentials token; its JSON answer."""
        url = rule.get("webhookUri")
        if not url:
            raise RuleEvaluationError("The webhook rule has no webhookUri")
        return self._json(self._run(self._webhook(rule, url, payload), url), url)

    async def _webhook(self, rule: Dict[str, Any], url: str, payload: Dict[str, Any]) -> bytes:
        token = await self._token(rule)
        return await self._post(url, json=payload, headers={"Authorization": f"Bearer {token}"})

    async def _token(self, rule: Dict[str, Any]) -> str:
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
        body = self._json(await self._post(server, data=form), server)
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
