"""The faults a soak arms, as a menu: each entry names a kind of trouble and draws one rule of
the local AWS's fault injection (:class:`localaws.Fault`) with seeded parameters.

A new kind of trouble is one more entry. An entry whose rule this local AWS does not know (a
field or kind that is not on this branch yet: ``applied``, ``drop``, ``unprocessed``) is left
out when the soak starts and named in its summary, so the menu can list faults before the
local AWS offers them and they join the soak the day it does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from localaws import Fault

__all__ = ["MENU", "Menu", "Offer"]

#: The writes the workflow sends: faults that lose their answers aim at them.
WRITES = {
    "iam": ("CreateServiceLinkedRole", "DeleteServiceLinkedRole", "UpdateRole"),
    "mediatailor": ("ConfigureLogsForPlaybackConfiguration", "ConfigureLogsForChannel"),
}
#: The services a run calls: the workflow's, its journal's (``dynamodb``) and a fleet's.
SERVICES = ("iam", "mediatailor", "dynamodb", "sts", "account", "organizations")

Draw = Callable[[random.Random], Mapping[str, Any]]


def _write(rng: random.Random) -> dict[str, str]:
    service = rng.choice(sorted(WRITES))
    return {"service": service, "operation": rng.choice(WRITES[service])}


def _throttle(rng: random.Random) -> dict[str, Any]:
    return {
        "service": rng.choice(SERVICES[:4]),
        "kind": "throttle",
        "probability": round(rng.uniform(0.03, 0.15), 3),
    }


def _server_error(rng: random.Random) -> dict[str, Any]:
    return {
        "service": rng.choice(SERVICES[:3]),
        "kind": "server_error",
        "probability": round(rng.uniform(0.02, 0.08), 3),
    }


def _latency(rng: random.Random) -> dict[str, Any]:
    return {
        "service": "*",
        "kind": "latency",
        "probability": round(rng.uniform(0.1, 0.5), 3),
        "latency_ms": rng.randint(5, 150),
    }


def _rate_limit(rng: random.Random) -> dict[str, Any]:
    operation = rng.choice(["*", *WRITES["mediatailor"]])
    return {
        "service": "mediatailor",
        "operation": operation,
        "kind": "rate_limit",
        "rate_per_second": rng.choice([2.0, 5.0, 10.0, 20.0]),
        "burst": rng.randint(1, 3),
    }


def _conflict(rng: random.Random) -> dict[str, Any]:
    """IAM's ``ConcurrentModification`` on a write: retried, never a failure."""
    return {
        "service": "iam",
        "operation": rng.choice(WRITES["iam"]),
        "kind": "error",
        "error_code": "ConcurrentModification",
        "http_status": 409,
        "count": rng.randint(1, 2),
    }


def _lost_answer(rng: random.Random) -> dict[str, Any]:
    """A write that takes effect and loses its answer to a 500 (``applied``)."""
    return {**_write(rng), "kind": "server_error", "applied": True, "count": 1}


def _lost_throttle(rng: random.Random) -> dict[str, Any]:
    """A write that takes effect and is answered as throttled (``applied``)."""
    return {**_write(rng), "kind": "throttle", "applied": True, "count": 1}


def _drop(rng: random.Random) -> dict[str, Any]:
    """The connection closed without an answer, after or before the write took effect."""
    return {**_write(rng), "kind": "drop", "applied": rng.random() < 0.7, "count": 1}


def _unprocessed(rng: random.Random) -> dict[str, Any]:
    """DynamoDB leaves part of a batch for later (``UnprocessedItems``)."""
    return {"service": "dynamodb", "kind": "unprocessed", "probability": 0.2}


@dataclass(frozen=True)
class Offer:
    """One entry of the menu: a kind of trouble and how to draw its rule."""

    #: The name the summary counts it by.
    name: str
    draw: Draw
    #: How likely a faulted step picks it, against the others' weights.
    weight: float = 1.0


#: Every kind of trouble the soak knows, whether or not this local AWS offers it yet.
MENU: tuple[Offer, ...] = (
    Offer("throttle", _throttle, 3.0),
    Offer("server_error", _server_error, 2.0),
    Offer("latency", _latency, 3.0),
    Offer("rate_limit", _rate_limit, 1.0),
    Offer("conflict", _conflict, 1.0),
    Offer("lost_answer", _lost_answer, 1.5),
    Offer("lost_throttle", _lost_throttle, 0.5),
    Offer("drop", _drop, 1.5),
    Offer("unprocessed", _unprocessed, 0.5),
)


class Menu:
    """The offers this local AWS can arm; each drawn rule is tagged with its offer's name."""

    def __init__(self, offers: Sequence[Offer] = MENU) -> None:
        probe = random.Random(0)
        self.offered: list[Offer] = []
        #: Offers left out, with the local AWS's reason.
        self.missing: dict[str, str] = {}
        for offer in offers:
            try:
                Fault.from_dict(offer.draw(probe))
            except (TypeError, ValueError) as error:
                self.missing[offer.name] = str(error)
            else:
                self.offered.append(offer)

    def draw(self, rng: random.Random, at_most: int = 3) -> list[tuple[str, Fault]]:
        """Up to ``at_most`` rules (none for about half the steps), each with its name."""
        if not self.offered or rng.random() < 0.45:
            return []
        weights = [offer.weight for offer in self.offered]
        chosen = rng.choices(self.offered, weights, k=rng.randint(1, at_most))
        return [(offer.name, Fault.from_dict(offer.draw(rng))) for offer in chosen]
