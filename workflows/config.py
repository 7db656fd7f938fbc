"""AWS Config's service-linked role, ``AWSServiceRoleForConfig``.

A customer configuration recorder (one per region at most) names the role in its ``roleARN``
and uses it while it records; a recorder naming another role is not a dependent. A drain
stops each recording recorder; a restore starts again those, and nothing else.

AWS's guide asks that no recorder use the role before it is deleted; whether a stopped one
still blocks the deletion is not documented. If IAM's answer names a recorder a drain already
stopped, a person deletes it or points it at another role (the engine says so and stops).
"""

from __future__ import annotations

from typing import Any

from lifecycle import (
    Access,
    Call,
    Demo,
    Dependent,
    Kind,
    Operation,
    Reads,
    RetryPolicy,
    Workflow,
)

__all__ = ["WORKFLOW", "Recorders"]

PRINCIPAL = "config.amazonaws.com"
ROLE = "AWSServiceRoleForConfig"
RECORDER = "configuration-recorder"

_R, _W = Access.READ, Access.WRITE
_RECORDERS = "arn:{partition}:config:*:*:configuration-recorder/*"
DESCRIBE_RECORDERS = Operation("config", "DescribeConfigurationRecorders", _R)
#: Read only when a recorder names the role: whether it records.
DESCRIBE_STATUS = Operation("config", "DescribeConfigurationRecorderStatus", _R, conditional=True)
STOP_RECORDER = Operation("config", "StopConfigurationRecorder", _W, resource=_RECORDERS)
START_RECORDER = Operation("config", "StartConfigurationRecorder", _W, resource=_RECORDERS)


class Recorders(Kind):
    """Configuration recorders whose ``roleARN`` is the role; active while recording."""

    name = RECORDER
    reads = (DESCRIBE_RECORDERS, DESCRIBE_STATUS)
    writes = (STOP_RECORDER, START_RECORDER)
    deactivates = (STOP_RECORDER,)
    reactivates = (START_RECORDER,)
    vanished = frozenset({"NoSuchConfigurationRecorderException"})
    by_hand = (
        "delete the recorder (DeleteConfigurationRecorder), or point its roleARN at another role"
    )

    def __init__(self, role_name: str = ROLE) -> None:
        #: The role's path and name as a recorder's ``roleARN`` ends with them.
        self._role = f":role/aws-service-role/{PRINCIPAL}/{role_name}"

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        described = aws.call("config", DESCRIBE_RECORDERS.name, region, {}, policy=policy)
        ours = [
            item
            for item in described.get("ConfigurationRecorders", [])
            if str(item.get("roleARN", "")).endswith(self._role)
        ]
        if not ours:
            return []
        statuses = aws.call("config", DESCRIBE_STATUS.name, region, {}, policy=policy)
        recording = {
            status["name"]: bool(status.get("recording"))
            for status in statuses.get("ConfigurationRecordersStatus", [])
        }
        return [_recorder(region, item, recording.get(item["name"], False)) for item in ours]

    def deactivate(self, dependent: Dependent) -> Call:
        return _recorder_call(STOP_RECORDER, dependent)

    def reactivate(self, dependent: Dependent) -> Call:
        return _recorder_call(START_RECORDER, dependent)

    def settings_of(self, call: Call) -> dict[str, Any]:
        return {"recording": call.operation == START_RECORDER.name}

    def notes(self, dependent: Dependent) -> tuple[str, ...]:
        return (
            "while drained nothing is recorded, and rules that read the recorder "
            "(Security Hub's Config.1) fail",
        )


def _recorder(region: str, item: dict[str, Any], recording: bool) -> Dependent:
    return Dependent(
        region,
        RECORDER,
        item["name"],
        item.get("arn", ""),
        active=recording,
        settings={"recording": recording},
    )


def _recorder_call(operation: Operation, dependent: Dependent) -> Call:
    params = {"ConfigurationRecorderName": dependent.name}
    return Call("config", operation.name, dependent.region, params, dependent.name)


#: What records with the role in ``slr demo``'s account; us-west-2's recorder is stopped.
_DEMO_RECORDERS = {"us-east-1": True, "eu-west-1": True, "us-west-2": False}


def _seed(endpoint_url: str) -> str:
    """``slr demo``'s account on the local AWS at ``endpoint_url``."""
    from localaws import config
    from localaws.seed import Account

    account = Account(endpoint_url)
    for region, recording in _DEMO_RECORDERS.items():
        config.recorder(account, region, recording=recording)
    return (
        "configuration recorders record in us-east-1 and eu-west-1 (stopped in us-west-2); "
        "the first one named AWSServiceRoleForConfig, so AWS Config created it."
    )


WORKFLOW = Workflow(
    name="config",
    title="AWS Config",
    principal=PRINCIPAL,
    role_name=ROLE,
    service="config",
    kinds=(Recorders(),),
    demo=Demo(_seed),
)
