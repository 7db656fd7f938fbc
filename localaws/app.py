"""The WSGI application: moto's server with our plug-ins, faults and control endpoints in front.

Control endpoints (JSON, unsigned; never faulted, never recorded):

``GET /_localaws/health``
    ``{"status": "ok", "moto": "<version>"}``
``GET /_localaws/faults``
    ``{"faults": [{...fault, "fired": n, "remaining": n|null}, ...]}``
``PUT /_localaws/faults``
    body ``{"faults": [fault, ...], "seed": int?}``: arm exactly these (replaces)
``POST /_localaws/faults``
    body ``{"faults": [fault, ...]}``: arm these as well (appends)
``DELETE /_localaws/faults``
    disarm all
``GET /_localaws/settings``, ``PUT /_localaws/settings``
    every setting of :class:`localaws.settings.Settings` (``{"deletion_seconds": float,
    "short_pages": bool, ...}``); PUT changes the ones it names, and an unknown name or a bad
    value changes nothing (400)
``PUT /_localaws/role-last-used``
    body ``{"role_name": str, "account_id": str?, "last_used": ISO date|null, "region": str?,
    "created": ISO date?}``: when IAM last saw the role used (null: never), and when it was
    created; answers its ``RoleLastUsed`` as IAM shows it (:mod:`localaws.last_used`)
``POST /_localaws/reset``
    moto's ``/moto-api/reset`` plus: faults cleared, settings back to their start values,
    moto's IAM-enforcement request count back to 0, assumed roles' sessions forgotten, gates
    closed (the calls waiting at them let go)
``GET /_localaws/gates/<name>?calls=N&timeout=S``, ``POST /_localaws/gates/<name>/open``,
``POST /_localaws/clock`` (body ``{"advance": seconds}``)
    handshakes for tests: :mod:`localaws.gates`, :mod:`localaws.clock`

A fault is a JSON object with the fields of :class:`localaws.faults.Fault`, e.g.
``{"service": "iam", "operation": "GetRole", "kind": "throttle", "count": 2}``.
Malformed bodies get 400 ``{"error": "..."}``.
"""

from __future__ import annotations

import errno
import json
import time
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import version
from typing import Any

from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from localaws import dynamodb, settings, sts
from localaws.calls import Environ, StartResponse, identify
from localaws.control import CONTROL_PREFIX
from localaws.faults import Call, Fault, FaultInjector, render_error
from localaws.gates import gates, handshake, wait_after_effect, waiting_after_effect
from localaws.plugins import install
from localaws.refusals import refusal
from localaws.settings import Settings

__all__ = ["Dropped", "LocalAWSApp"]


class LocalAWSApp:
    """moto's DomainDispatcherApplication behind fault injection and control endpoints."""

    def __init__(
        self,
        start_settings: Settings,
        faults: Sequence[Fault] = (),
        moto_app: Callable[[Environ, StartResponse], Iterable[bytes]] | None = None,
    ) -> None:
        install()
        self.moto_app = moto_app or DomainDispatcherApplication(create_backend_app)
        self.faults = FaultInjector(faults)
        self.start_settings = start_settings
        self.start_no_auth_count = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
        settings.use(start_settings)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(CONTROL_PREFIX):
            return self._control(Request(environ))(environ, start_response)
        # AWS refuses expired credentials and a disabled region before anything else (no
        # throttling, no latency).
        refused = refusal(environ)
        if refused is not None:
            status, headers, body = render_error(*refused)
            return Response(body, status=status, headers=headers)(environ, start_response)
        if self.faults.active:
            call = identify(environ)
            outcome = self.faults.decide(call)
            if outcome.delay_seconds:
                time.sleep(outcome.delay_seconds)
            if outcome.hold is not None:
                return self._held(outcome.hold, outcome.error, call, environ, start_response)
            if outcome.error is not None:
                return self._faulted(outcome.error, call, environ, start_response)
        return self.moto_app(environ, start_response)

    def _held(
        self, hold: Fault, error: Fault | None, call: Call, environ: Environ, respond: StartResponse
    ) -> Iterable[bytes]:
        """The call waits at its hold's gate: before it runs, or after it took effect (a
        DynamoDB transaction inside, still holding its items) and before it answers."""
        waiting_after_effect(hold.gate if hold.takes_effect else None)
        try:
            if not hold.takes_effect:
                gates.pass_through(hold.gate or "")
            if error is not None:
                answer = self._faulted(error, call, environ, respond)
            else:
                answer = self.moto_app(environ, respond)
            wait_after_effect()  # unless the call waited already, inside
        finally:
            waiting_after_effect(None)
        return answer

    def _faulted(
        self, fault: Fault, call: Call, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The fault's answer in place of the service's; an applied fault lets the call take
        effect first, and its answer is lost."""
        if fault.kind == "unprocessed":
            with dynamodb.leaving_unprocessed():
                return self.moto_app(environ, start_response)
        if fault.takes_effect:
            answer = self.moto_app(environ, lambda *_: lambda _data: None)
            try:
                for _ in answer:
                    pass
            finally:
                if hasattr(answer, "close"):
                    answer.close()
        if fault.kind == "drop":
            raise Dropped()
        status, headers, body = render_error(fault, call)
        return Response(body, status=status, headers=headers)(environ, start_response)

    def reset(self) -> None:
        """moto's state emptied, faults cleared, settings back to their start values."""
        from localaws.iam import forget_stopped_users

        moto_api_backend.reset()
        forget_stopped_users()
        sts.forget_credentials()
        self.faults.clear()
        settings.use(self.start_settings)
        gates.reset()
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = self.start_no_auth_count
        ActionAuthenticatorMixin.request_count = 0

    def _control(self, request: Request) -> Response:
        endpoint = request.path[len(CONTROL_PREFIX) :].strip("/")
        try:
            result = self._dispatch_control(endpoint, request)
        except HTTPException as error:
            return _json({"error": error.description}, error.code or 500)
        except (ValueError, TypeError, KeyError) as error:
            return _json({"error": str(error)}, 400)
        return _json(result)

    def _dispatch_control(self, endpoint: str, request: Request) -> Any:
        method = request.method
        if endpoint == "health" and method == "GET":
            return {"status": "ok", "moto": version("moto")}
        if endpoint == "faults":
            return self._faults(method, request)
        if endpoint == "settings":
            return self._settings(method, request)
        if endpoint == "role-last-used" and method == "PUT":
            from localaws.last_used import set_role_last_used

            body = _json_body(
                request,
                allowed={"role_name", "account_id", "partition", "last_used", "region", "created"},
            )
            shown = set_role_last_used(body)
            return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in shown.items()}
        if endpoint == "clock" or endpoint.startswith("gates/"):
            return handshake(method, endpoint, request)
        if endpoint == "reset" and method == "POST":
            self.reset()
            return {"status": "ok"}
        raise NotFound(f"no control endpoint {method} {request.path}")

    def _faults(self, method: str, request: Request) -> Any:
        if method == "GET":
            return {"faults": self.faults.describe()}
        if method == "DELETE":
            self.faults.clear()
            return {"faults": []}
        if method not in ("PUT", "POST"):
            raise MethodNotAllowed()
        body = _json_body(request, allowed={"faults", "seed"})
        items = body.get("faults", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError('"faults" must be a list of objects')
        faults = [Fault.from_dict(item) for item in items]
        if method == "PUT":
            self.faults.replace(faults, body.get("seed"))
        else:
            self.faults.add(faults)
        return {"faults": self.faults.describe()}

    def _settings(self, method: str, request: Request) -> Any:
        if method == "PUT":
            body = _json_body(request, allowed=set(Settings.names()))
            settings.use(settings.current().changed(body))
        elif method != "GET":
            raise MethodNotAllowed()
        return settings.current().to_dict()


class Dropped(ConnectionAbortedError):
    """Raised to the WSGI server to close the connection unanswered. cheroot (our server) takes
    a socket error it counts as the client's going (ECONNABORTED among them) for no failure of
    its own: it writes no response, logs nothing and closes the socket, so the client reads
    the end of the connection where an answer should be."""

    def __init__(self) -> None:
        super().__init__(errno.ECONNABORTED, "connection dropped by a fault")


def _json_body(request: Request, allowed: set[str]) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data() or b"{}")
    except json.JSONDecodeError as error:
        raise ValueError(f"body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    # A misspelt key must not pass for an empty request (PUT would disarm every fault).
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    return body


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")
