"""Clients shared by the accounts of a fleet: each request signed as the account whose call it
is, and checked against that account's run.

Making a botocore client costs about as much CPU as a few calls, and so does its first call
(its endpoint rules resolved, a connection opened): an account's status makes about 20
clients and calls each once or twice, so a fleet that made clients per account spent most of
its CPU making them (docs/performance.md, "The runner's CPU per call"). Nothing in a client
belongs to an account but the credentials it signs with and the gateway that checks its
operations: here one client per (service, region, endpoint) serves every account, and the
gateway sending a call binds both for that call (:func:`calling_as`), in the calling thread's
context.

Fail closed: a shared client used outside :func:`calling_as` is refused before it signs
anything, and would find no credentials to sign with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.session

from lifecycle.errors import Refused

__all__ = ["CallerCredentials", "SharedClients", "Signing", "calling_as"]

#: A gateway's check of an operation (its ``before-call`` handler).
Guard = Callable[..., None]

_credentials: ContextVar[botocore.credentials.Credentials | None] = ContextVar(
    "slr_call_credentials", default=None
)
_guard: ContextVar[Guard | None] = ContextVar("slr_call_guard", default=None)


@contextmanager
def calling_as(credentials: botocore.credentials.Credentials, guard: Guard) -> Iterator[None]:
    """While the block runs, in this thread's context, shared clients sign with
    ``credentials`` and ``guard`` checks each operation before it is sent."""
    signer, checker = _credentials.set(credentials), _guard.set(guard)
    try:
        yield
    finally:
        _guard.reset(checker)
        _credentials.reset(signer)


class CallerCredentials(botocore.credentials.Credentials):  # type: ignore[misc]
    """The credentials of the call in progress (:func:`calling_as`), read when botocore
    signs each request; an assumed role's refresh stays with the credentials bound."""

    def __init__(self) -> None:
        # Nothing of its own: every field is the bound credentials'.
        self.method = "caller"

    @staticmethod
    def _bound() -> botocore.credentials.Credentials:
        bound = _credentials.get()
        if bound is None:
            raise botocore.exceptions.NoCredentialsError()
        return bound

    def get_frozen_credentials(self) -> botocore.credentials.ReadOnlyCredentials:
        frozen: botocore.credentials.ReadOnlyCredentials = self._bound().get_frozen_credentials()
        return frozen

    @property
    def access_key(self) -> str:
        return str(self.get_frozen_credentials().access_key)

    @property
    def secret_key(self) -> str:
        return str(self.get_frozen_credentials().secret_key)

    @property
    def token(self) -> str | None:
        token: str | None = self.get_frozen_credentials().token
        return token

    @property
    def account_id(self) -> str | None:
        account: str | None = self.get_frozen_credentials().account_id
        return account


def _check(model: Any, **_: Any) -> None:
    guard = _guard.get()
    if guard is None:
        service = model.service_model.service_name
        raise Refused(service, model.name, "-", "Refused", "a shared client outside a call", 0)
    guard(model=model)


class SharedClients:
    """One client per (service, region, endpoint) for many accounts, made by ``session``, a
    botocore session whose credentials are :class:`CallerCredentials`."""

    def __init__(self, session: botocore.session.Session, config: botocore.config.Config) -> None:
        self._session = session
        self._config = config
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, str | None], Any] = {}

    def client(self, service: str, region: str, endpoint_url: str | None) -> Any:
        key = (service, region, endpoint_url)
        with self._lock:  # sessions are not thread-safe; clients are, once made
            if key not in self._clients:
                client = self._session.create_client(
                    service, region_name=region, endpoint_url=endpoint_url, config=self._config
                )
                client.meta.events.register("before-call.*.*", _check)
                self._clients[key] = client
            return self._clients[key]


@dataclass(frozen=True)
class Signing:
    """How one account's gateway calls through shared clients: which, and as whom."""

    clients: SharedClients
    #: The account's credentials (an assumed role's refresh themselves).
    credentials: botocore.credentials.Credentials
