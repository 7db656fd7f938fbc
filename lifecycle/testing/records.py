"""The records half of the journal's contract (intents and results, memory, history), and the
helpers both halves use; :class:`lifecycle.testing.journal.JournalContract` runs it with the
lease lock's half."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lifecycle.errors import JournalError
from lifecycle.journal import Journal
from lifecycle.model.calls import Call

__all__ = ["ACCOUNT", "ROLE", "Opener", "RecordsContract", "a_step", "big_drain", "drain_intent"]

ACCOUNT, ROLE = "123456789012", "AWSServiceRoleForExample"

#: Opens one more journal on the same state (another runner, another machine).
Opener = Callable[[], Journal]


def a_step(journal: Journal, run_id: str = "run-1", account: str = ACCOUNT) -> int:
    """A new run ``run_id`` of ``account``'s role with one step started: its id."""
    journal.start_run(
        run_id,
        workflow="example",
        account=account,
        role=ROLE,
        command="apply",
        target="absent",
        dry_run=False,
    )
    return journal.start_step(run_id, transition="drain", from_state="in-use")


def drain_intent(journal: Journal, step_id: int, key: str = "drain:us-east-1:widget-a") -> int:
    """The intent of one drain write in ``step_id``: its call id."""
    return journal.intent(
        step_id,
        service="example",
        operation="PutWidget",
        region="us-east-1",
        params={"Name": "widget-a"},
        key=key,
    )


def big_drain(n: int) -> dict[str, Any]:
    """The memory of a drain of ``n`` dependents (``n`` in thousands: over 400 KB)."""
    settings = {"Level": 100, "Delivery": ["LOGS"]}
    kind = "widget"
    return {
        "drained": [
            {"region": "eu-west-1", "kind": kind, "name": f"widget-{i:05d}", "settings": settings}
            for i in range(n)
        ]
    }


class RecordsContract:
    """What every :class:`~lifecycle.journal.Journal` keeps: durable intents and results, per
    role memory in two worlds, history newest first. Needs an ``opener`` fixture."""

    @pytest.fixture
    def journal(self, opener: Opener) -> Journal:
        return opener()

    def test_reopening_keeps_the_data(self, opener: Opener) -> None:
        first = opener()
        first.remember(ACCOUNT, ROLE, {"drain": ["widget-a"]})
        first.close()
        assert opener().memory(ACCOUNT, ROLE) == {"drain": ["widget-a"]}

    # write calls

    def test_a_recorded_result_is_completed(self, journal: Journal) -> None:
        call = drain_intent(journal, a_step(journal))
        journal.result(call, ok=True, response={"Name": "widget-a"}, attempts=2)
        assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:widget-a") == {"Name": "widget-a"}
        assert journal.unfinished(ACCOUNT, ROLE) == []

    def test_an_intent_without_result_is_unfinished_not_completed(self, journal: Journal) -> None:
        call = drain_intent(journal, a_step(journal))
        assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:widget-a") is None
        [pending] = journal.unfinished(ACCOUNT, ROLE)
        assert pending["call_id"] == call
        assert pending["run_id"] == "run-1"
        assert pending["params"] == {"Name": "widget-a"}
        assert pending["key"] == "drain:us-east-1:widget-a"

    def test_a_failed_call_is_not_completed(self, journal: Journal) -> None:
        call = drain_intent(journal, a_step(journal))
        journal.result(call, ok=False, error="ThrottlingException")
        assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:widget-a") is None

    def test_completed_since_a_run_ignores_earlier_runs(self, journal: Journal) -> None:
        journal.result(drain_intent(journal, a_step(journal, "run-1")), ok=True, response={})
        a_step(journal, "run-2")
        key = "drain:us-east-1:widget-a"
        assert journal.completed(ACCOUNT, ROLE, key, since_run="run-1") == {}
        assert journal.completed(ACCOUNT, ROLE, key, since_run="run-2") is None

    def test_a_result_for_an_unknown_call_is_an_error(self, journal: Journal) -> None:
        with pytest.raises(JournalError, match="no call 42"):
            journal.result(42, ok=True)

    def test_unfinished_is_exactly_the_intents_without_result_in_order(
        self, journal: Journal
    ) -> None:
        step = a_step(journal)
        recorded = [True, False, False, True, False]
        calls = [drain_intent(journal, step, key=f"k{i}") for i in range(len(recorded))]
        for call, done in zip(calls, recorded, strict=True):
            if done:
                journal.result(call, ok=True)
        pending = [c for c, done in zip(calls, recorded, strict=True) if not done]
        assert [u["call_id"] for u in journal.unfinished(ACCOUNT, ROLE)] == pending

    def test_intents_stored_together_are_each_a_call_of_their_own(self, journal: Journal) -> None:
        step = a_step(journal)
        journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
        put = "PutWidget"
        calls = [Call("example", put, "us-east-1", {"Name": n}, n) for n in ("a", "b", "c")]
        ids = journal.intents(step, calls)
        assert len(set(ids)) == 3
        journal.result(ids[1], ok=True, response={"Name": "b"})
        unfinished = journal.unfinished(ACCOUNT, ROLE)
        assert [(c["call_id"], c["key"], c["params"]) for c in unfinished] == [
            (ids[0], f"{put}:us-east-1:a", {"Name": "a"}),
            (ids[2], f"{put}:us-east-1:c", {"Name": "c"}),
        ]
        assert journal.completed(ACCOUNT, ROLE, f"{put}:us-east-1:b") == {"Name": "b"}

    # memory

    def test_memory_of_the_real_and_the_dry_run_world_is_kept_apart(self, journal: Journal) -> None:
        journal.remember(ACCOUNT, ROLE, {"drain": "real"})
        journal.remember(ACCOUNT, ROLE, {"drain": "simulated"}, world="dry-run")
        assert journal.memory(ACCOUNT, ROLE) == {"drain": "real"}
        assert journal.memory(ACCOUNT, ROLE, "dry-run") == {"drain": "simulated"}

    def test_forget_drops_only_that_world(self, journal: Journal) -> None:
        journal.remember(ACCOUNT, ROLE, {"a": 1})
        journal.remember(ACCOUNT, ROLE, {"b": 2}, world="dry-run")
        journal.forget(ACCOUNT, ROLE, world="dry-run")
        assert journal.memory(ACCOUNT, ROLE, "dry-run") == {}
        assert journal.memory(ACCOUNT, ROLE) == {"a": 1}

    def test_remember_replaces_the_whole_memory(self, journal: Journal) -> None:
        journal.remember(ACCOUNT, ROLE, {"a": 1})
        journal.remember(ACCOUNT, ROLE, {"b": 2})
        assert journal.memory(ACCOUNT, ROLE) == {"b": 2}

    def test_a_memory_of_thousands_of_dependents_round_trips(self, opener: Opener) -> None:
        journal = opener()
        journal.remember(ACCOUNT, ROLE, big_drain(5000))
        journal.remember(ACCOUNT, ROLE, big_drain(4000))  # replaces it, parts and all
        assert opener().memory(ACCOUNT, ROLE) == big_drain(4000)
        journal.forget(ACCOUNT, ROLE)
        assert journal.memory(ACCOUNT, ROLE) == {}

    # history

    def test_runs_steps_and_calls_round_trip_newest_run_first(self, journal: Journal) -> None:
        step = a_step(journal, "run-1")
        journal.result(drain_intent(journal, step), ok=True, response={"ok": 1}, attempts=3)
        journal.finish_step(step, status="done", to_state="draining")
        journal.finish_run("run-1", outcome="done", final_state="draining")
        a_step(journal, "run-2")

        runs = journal.runs()
        assert [r["run_id"] for r in runs] == ["run-2", "run-1"]
        assert runs[1]["outcome"] == "done"
        assert runs[1]["final_state"] == "draining"
        assert runs[1]["dry_run"] is False
        assert runs[1]["finished_at"] >= runs[1]["started_at"]
        assert runs[0]["finished_at"] is None
        [recorded] = journal.steps("run-1")
        assert recorded["step_id"] == step
        assert (recorded["transition"], recorded["from_state"]) == ("drain", "in-use")
        assert (recorded["to_state"], recorded["status"]) == ("draining", "done")
        [call] = recorded["calls"]
        assert call["operation"] == "PutWidget"
        assert call["params"] == {"Name": "widget-a"}
        assert (call["ok"], call["attempts"], call["error"]) == (True, 3, None)

    def test_runs_filter_by_role_and_limit(self, journal: Journal) -> None:
        a_step(journal, "run-1")
        a_step(journal, "run-2")
        assert len(journal.runs(limit=1)) == 1
        assert journal.runs(role="OtherRole") == []
        assert len(journal.runs(account=ACCOUNT, role=ROLE)) == 2
