"""MediaTailor's service-linked role, ``AWSServiceRoleForMediaTailor``.

MediaTailor uses the role to write session logs (playback configurations) and As Run logs
(channels) to CloudWatch Logs, so those are the role's dependents in every region.
"""

from __future__ import annotations

from lifecycle.retry import RetryPolicy
from lifecycle.workflow import OBSERVE, Access, Binding, Operation, Workflow

__all__ = ["WORKFLOW"]

_R, _W = Access.READ, Access.WRITE

# IAM is global: its operations are sent once, not per region.
GET_ROLE = Operation("iam", "GetRole", _R, regional=False)
CREATE_ROLE = Operation("iam", "CreateServiceLinkedRole", _W, regional=False)
UPDATE_ROLE = Operation("iam", "UpdateRole", _W, regional=False)
DELETE_ROLE = Operation("iam", "DeleteServiceLinkedRole", _W, regional=False)
DELETION_STATUS = Operation("iam", "GetServiceLinkedRoleDeletionStatus", _R, regional=False)

LIST_CONFIGURATIONS = Operation("mediatailor", "ListPlaybackConfigurations", _R)
LIST_CHANNELS = Operation("mediatailor", "ListChannels", _R)
CONFIGURE_CONFIGURATION_LOGS = Operation("mediatailor", "ConfigureLogsForPlaybackConfiguration", _W)
CONFIGURE_CHANNEL_LOGS = Operation("mediatailor", "ConfigureLogsForChannel", _W)

SCAN = (LIST_CONFIGURATIONS, LIST_CHANNELS)

#: Writes to IAM are retried patiently: ConcurrentModification clears in seconds.
IAM_WRITES = RetryPolicy(
    interval_seconds=1.0, backoff_rate=2.0, max_attempts=5, max_delay_seconds=20.0
)
#: MediaTailor throttles per account and region at a few calls per second.
SERVICE_CALLS = RetryPolicy(
    interval_seconds=0.5, backoff_rate=2.0, max_attempts=6, max_delay_seconds=10.0
)

WORKFLOW = Workflow(
    name="mediatailor",
    title="AWS Elemental MediaTailor",
    principal="mediatailor.amazonaws.com",
    role_name="AWSServiceRoleForMediaTailor",
    service="mediatailor",
    bindings={
        OBSERVE: Binding((GET_ROLE, DELETION_STATUS, *SCAN), SERVICE_CALLS),
        "create": Binding((CREATE_ROLE, GET_ROLE, UPDATE_ROLE), IAM_WRITES),
        "activate": Binding((CONFIGURE_CONFIGURATION_LOGS,), SERVICE_CALLS),
        "drain": Binding(
            (*SCAN, CONFIGURE_CONFIGURATION_LOGS, CONFIGURE_CHANNEL_LOGS), SERVICE_CALLS
        ),
        "verify": Binding((GET_ROLE, *SCAN), SERVICE_CALLS),
        "delete": Binding((DELETE_ROLE, DELETION_STATUS), IAM_WRITES),
        "reject": Binding((DELETION_STATUS,), IAM_WRITES),
        "restore": Binding((CONFIGURE_CONFIGURATION_LOGS, CONFIGURE_CHANNEL_LOGS), SERVICE_CALLS),
    },
)
