"""IAM's eventual consistency for service-linked roles, as GetRole and ListRoles see it.

moto alone shows a role to every call the moment it is created and forgets it the moment it
is deleted. Here, as in AWS ("changes that I make are not always immediately visible", IAM
User Guide), a new service-linked role answers ``NoSuchEntity`` to GetRole (and is missing from
ListRoles) for ``iam_consistency_seconds``, and a role removed by a succeeded deletion task is
still returned for as long. The role itself is created or removed at once: a second
CreateServiceLinkedRole in the invisible window still fails (the name is taken), and a create
after a deletion works at once (the role is really gone).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["RoleVisibility"]

R = TypeVar("R")


@dataclass
class RoleVisibility(Generic[R]):
    """What the read calls of one account still see wrong, by role name, on the local AWS's
    clock (:mod:`localaws.clock`)."""

    #: a new role's name -> when GetRole first finds it
    appears_at: dict[str, float] = field(default_factory=dict)
    #: a removed role's name -> (the role, until when GetRole still finds it)
    lingering: dict[str, tuple[R, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def created(self, name: str, now: float, delay: float) -> None:
        with self._lock:
            self.lingering.pop(name, None)
            if delay > 0:
                self.appears_at[name] = now + delay

    def removed(self, name: str, role: R, at: float, delay: float) -> None:
        with self._lock:
            self.appears_at.pop(name, None)
            if delay > 0:
                self.lingering[name] = (role, at + delay)

    def hides(self, name: str, now: float) -> bool:
        """Whether a role that exists is still invisible."""
        with self._lock:
            return now < self.appears_at.get(name, now)

    def ghost(self, name: str, now: float) -> R | None:
        """A removed role that reads still return, or None."""
        with self._lock:
            role, until = self.lingering.get(name, (None, now))
            return role if now < until else None

    def seen(self, roles: Mapping[str, R], now: float) -> list[R]:
        """The roles (by name) as a list call sees them: new ones hidden, removed ones there."""
        with self._lock:
            shown = [
                role for name, role in roles.items() if not now < self.appears_at.get(name, now)
            ]
            ghosts = [
                role
                for name, (role, until) in self.lingering.items()
                if now < until and name not in roles
            ]
        return shown + ghosts
