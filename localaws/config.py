"""AWS Config's configuration recorders as users of ``AWSServiceRoleForConfig``: moto's Config
backend, subclassed at run time.

A recorder whose ``roleARN`` is the service-linked role's ARN
(``arn:<partition>:iam::<account>:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig``)
uses the role while it records (also while stopped, with ``config_stopped_recorder_blocks``),
and IAM's deletion tasks ask :func:`role_usage` for those recorders. As in AWS:

- ``PutConfigurationRecorder`` naming the role creates it when it is absent, as the console
  and the service do;
- a recorder that stops using the role (stopped, deleted, or put with another ``roleARN``)
  still fails a deletion task for ``usage_lag_seconds``;
- ``DescribeConfigurationRecorders`` and ``DescribeConfigurationRecorderStatus`` answer each
  recorder's ``arn`` (moto answers none), and a ``PutConfigurationRecorder`` without a
  ``roleARN`` is ``InvalidRoleException`` (moto: a 500).

moto already refuses, as AWS does, a second recorder in a region
(``MaxNumberOfConfigurationRecordersExceededException``), an unknown name
(``NoSuchConfigurationRecorderException``), a delivery channel before a recorder and a start
before a delivery channel (``NoAvailableDeliveryChannelException``).

:func:`recorder` and :func:`recorders` seed and read recorders over the API, for tests and
demos.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypedDict

import moto.config.urls
from botocore.exceptions import ClientError
from moto.config.models import ConfigBackend, config_backends
from moto.config.responses import ConfigResponse
from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import JsonRESTError

from localaws import iam, settings
from localaws.principals import service_linked_role_name
from localaws.restjson import JsonAuthorization
from localaws.seed import Account

__all__ = [
    "PRINCIPAL",
    "RealisticConfigBackend",
    "RealisticConfigResponse",
    "Recorder",
    "install",
    "recorder",
    "recorders",
    "role_arn",
    "role_usage",
]

PRINCIPAL = "config.amazonaws.com"
_ID_CHARACTERS = string.ascii_lowercase + string.digits


def role_arn(account_id: str, partition: str = "aws") -> str:
    """The ARN of the account's ``AWSServiceRoleForConfig``."""
    name = service_linked_role_name(PRINCIPAL)
    return f"arn:{partition}:iam::{account_id}:role/aws-service-role/{PRINCIPAL}/{name}"


class InvalidRoleException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "InvalidRoleException",
            # The exception's documentation in Config's API reference.
            "You have provided a null or empty Amazon Resource Name (ARN) for the IAM role "
            "assumed by Config and used by the customer managed configuration recorder.",
        )


class RealisticConfigBackend(ConfigBackend):
    """moto's Config in one account and region, its recorders using the service-linked role."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        #: recorder name -> the id in its ARN, kept while the recorder exists
        self.recorder_ids: dict[str, str] = {}

    @property
    def _url_module(self) -> Any:
        # moto derives the URL module from the class's module, which is ours.
        return moto.config.urls

    def recorder_arn(self, name: str) -> str:
        """The recorder's ARN in the service authorization reference's form,
        ``arn:<partition>:config:<region>:<account>:configuration-recorder/<name>/<id>``, the
        id 16 lowercase letters and digits as AWS's (``.../default/eu6cs99surp9xy02``), drawn
        when the recorder is created and kept until it is deleted."""
        return (
            f"arn:{self.partition}:config:{self.region_name}:{self.account_id}:"
            f"configuration-recorder/{name}/{self.recorder_ids[name]}"
        )

    def uses_role(self, name: str) -> bool:
        """Whether the recorder ``name`` uses the service-linked role now."""
        recorder = self.recorders.get(name)
        if recorder is None or recorder.role_arn != role_arn(self.account_id, self.partition):
            return False
        return bool(recorder.status.recording) or settings.current().config_stopped_recorder_blocks

    def resources_using_role(self) -> list[str]:
        """ARNs of the recorders that use the role."""
        return [self.recorder_arn(name) for name in self.recorders if self.uses_role(name)]

    @contextmanager
    def _changing(self, name: str) -> Iterator[None]:
        """A change to the recorder ``name``: if it stops it using the role, IAM's deletion
        still sees it for a while."""
        was_using = self.uses_role(name)
        arn = self.recorder_arn(name) if was_using else ""
        yield
        if was_using and not self.uses_role(name):
            iam.role_user_stopped(self.account_id, PRINCIPAL, self.region_name, arn)

    def put_configuration_recorder(self, config_recorder: dict[str, Any]) -> None:
        if not config_recorder.get("roleARN"):
            raise InvalidRoleException()
        name = str(config_recorder.get("name") or "")
        with self._changing(name):
            super().put_configuration_recorder(config_recorder)
            self.recorder_ids.setdefault(
                name, "".join(secrets.choice(_ID_CHARACTERS) for _ in range(16))
            )
        if config_recorder["roleARN"] == role_arn(self.account_id, self.partition):
            iam.ensure_service_linked_role(self.account_id, PRINCIPAL, self.partition)

    def stop_configuration_recorder(self, recorder_name: str) -> None:
        with self._changing(recorder_name):
            super().stop_configuration_recorder(recorder_name)

    def delete_configuration_recorder(self, recorder_name: str) -> None:
        with self._changing(recorder_name):
            super().delete_configuration_recorder(recorder_name)
        self.recorder_ids.pop(recorder_name, None)

    def describe_configuration_recorders(
        self, recorder_names: list[str] | None
    ) -> list[dict[str, Any]]:
        described = super().describe_configuration_recorders(recorder_names)
        return [{"arn": self.recorder_arn(item["name"]), **item} for item in described]

    def describe_configuration_recorder_status(
        self, recorder_names: list[str]
    ) -> list[dict[str, Any]]:
        described = super().describe_configuration_recorder_status(recorder_names)
        return [{"arn": self.recorder_arn(item["name"]), **item} for item in described]


#: Config's operations IAM authorizes against the recorder they name (the Service
#: Authorization Reference's ``ConfigurationRecorder`` resource); the rest against ``*``.
_ON_RECORDER = frozenset(
    {
        "StartConfigurationRecorder",
        "StopConfigurationRecorder",
        "DeleteConfigurationRecorder",
        "PutConfigurationRecorder",
    }
)


class RealisticConfigResponse(JsonAuthorization, ConfigResponse):
    """moto's Config responses, each under IAM's world lock after due deletion tasks, and
    authorized as AWS does (:class:`~localaws.restjson.JsonAuthorization`)."""

    def call_action(self) -> TYPE_RESPONSE:
        with iam.world_lock:
            # Deletion tasks due before this call must see the usage before it.
            iam.advance_deletion_tasks(self.current_account, self.partition)
            return super().call_action()

    def _determine_resource(self) -> str:
        """The recorder a change names (moto authorizes every Config call against ``*``)."""
        if self._get_action() not in _ON_RECORDER:
            return "*"
        recorder = self._get_param("ConfigurationRecorder")
        name = str(
            recorder.get("name")
            if isinstance(recorder, dict)
            else self._get_param("ConfigurationRecorderName") or ""
        )
        backend = dict.get(dict.get(config_backends, self.current_account) or {}, self.region)
        if isinstance(backend, RealisticConfigBackend) and name in backend.recorder_ids:
            return backend.recorder_arn(name)
        return (
            f"arn:{self.partition}:config:{self.region}:{self.current_account}:"
            f"configuration-recorder/{name}/*"
        )


def role_usage(account_id: str) -> dict[str, list[str]]:
    """{region: [recorder ARN, ...]} of every recorder in the account that uses the role."""
    # dict.get: BackendDict's own lookup would create an account as a side effect.
    account = dict.get(config_backends, account_id)
    if account is None:
        return {}
    usage: dict[str, list[str]] = {}
    for region, backend in sorted(dict.items(account)):
        arns = backend.resources_using_role() if isinstance(backend, RealisticConfigBackend) else []
        if arns:
            usage[region] = arns
    return usage


def install() -> None:
    """Make moto's Config (backends created from now on, and its server routes) report its
    recorders' use of the service-linked role (idempotent)."""
    config_backends.backend = RealisticConfigBackend
    for account_backends in dict.values(config_backends):
        account_backends.backend = RealisticConfigBackend
    for path in moto.config.urls.url_paths:
        moto.config.urls.url_paths[path] = RealisticConfigResponse.dispatch
    iam.register_role_user(PRINCIPAL, role_usage)


# -- seeding, over the API ---------------------------------------------------------------------


class Recorder(TypedDict):
    """A recorder as :func:`recorders` reads it."""

    roleARN: str
    recording: bool


def recorder(
    account: Account, region: str, name: str = "default", *, recording: bool = True
) -> str:
    """Put a recorder with the service-linked role's ARN and a delivery channel to an S3 bucket
    made for it; started when ``recording``, else stopped. Returns the recorder's name."""
    config = account.client("config", region)
    account_id = account.client("sts", region).get_caller_identity()["Account"]
    partition = account.client("sts", region).meta.partition
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": name, "roleARN": role_arn(account_id, partition)}
    )
    bucket = f"config-bucket-{account_id}-{region}"
    s3 = account.client("s3", region)
    try:
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
            )
    except ClientError as error:
        if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
    # AWS takes a delivery channel only once a recorder exists, and starts none without one.
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    if recording:
        config.start_configuration_recorder(ConfigurationRecorderName=name)
    else:
        config.stop_configuration_recorder(ConfigurationRecorderName=name)
    return name


def recorders(account: Account, region: str) -> dict[str, Recorder]:
    """name -> roleARN and whether it records, of every recorder in ``region``."""
    config = account.client("config", region)
    described = config.describe_configuration_recorders()["ConfigurationRecorders"]
    statuses = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    recording = {status["name"]: bool(status.get("recording")) for status in statuses}
    return {
        item["name"]: Recorder(
            roleARN=item["roleARN"], recording=recording.get(item["name"], False)
        )
        for item in described
    }
