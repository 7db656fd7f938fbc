"""Authorization under IAM enforcement: actions, resources and conditions, as AWS evaluates them.

moto alone lets a statement conditioned on another service's ``iam:AWSServiceName`` allow the
create, authorizes a role that does not exist yet against ``*``, and fails every signed
MediaTailor ``GET`` on its signature; these tests pin down what the plug-ins do instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localaws import LocalAWS
from localaws.authorization import Decision, evaluate

PRINCIPAL = "mediatailor.amazonaws.com"
ROLE = "AWSServiceRoleForMediaTailor"
ROLE_ARN = f"arn:aws:iam::123456789012:role/aws-service-role/{PRINCIPAL}/{ROLE}"
ANY_ROLE_ARN = f"arn:aws:iam::*:role/aws-service-role/{PRINCIPAL}/{ROLE}*"
OTHER_SERVICE = {"iam:AWSServiceName": "elasticbeanstalk.amazonaws.com"}
CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"})
#: Unchecked requests: the administrator, its policy and its keys.
BOOTSTRAP_REQUESTS = 3


def allow(action: str | list[str], resource: str = "*", **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(action: str, resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


class Caller:
    """Clients of one IAM user of the enforcing local AWS."""

    def __init__(self, aws: LocalAWS, key: dict[str, str]) -> None:
        self._session = boto3.session.Session(
            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
        )
        self._endpoint = aws.endpoint_url

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return self._session.client(
            service, region_name=region, endpoint_url=self._endpoint, config=CONFIG
        )


@pytest.fixture(scope="module")
def enforcing() -> Iterator[LocalAWS]:
    with LocalAWS(iam_enforcement_after=BOOTSTRAP_REQUESTS) as server:
        yield server


@pytest.fixture
def admin(enforcing: LocalAWS) -> Caller:
    """An empty account's administrator; every request after its creation is checked."""
    enforcing.reset()
    iam = enforcing.client("iam")
    iam.create_user(UserName="admin")
    document = {"Version": "2012-10-17", "Statement": [allow("*")]}
    iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(document))
    return Caller(enforcing, iam.create_access_key(UserName="admin")["AccessKey"])


def user(enforcing: LocalAWS, admin: Caller, *statements: dict[str, Any]) -> Caller:
    """A new IAM user whose only permissions are ``statements``."""
    iam = admin.client("iam")
    iam.create_user(UserName="runner")
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    iam.put_user_policy(UserName="runner", PolicyName="p", PolicyDocument=json.dumps(document))
    return Caller(enforcing, iam.create_access_key(UserName="runner")["AccessKey"])


def refusal(raised: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = raised.value.response
    error = response["Error"]
    return response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"]


# -- iam:AWSServiceName ---------------------------------------------------------------------


def test_a_create_conditioned_on_another_service_is_refused(
    enforcing: LocalAWS, admin: Caller
) -> None:
    other = allow("iam:CreateServiceLinkedRole", ANY_ROLE_ARN, StringEquals=OTHER_SERVICE)
    iam = user(enforcing, admin, other).client("iam")
    with pytest.raises(ClientError) as raised:
        iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    assert refusal(raised) == (
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/runner is not authorized to perform: "
        f"iam:CreateServiceLinkedRole on resource: {ROLE_ARN} because no identity-based "
        "policy allows the iam:CreateServiceLinkedRole action",
    )


def test_a_create_conditioned_on_its_own_service_is_accepted(
    enforcing: LocalAWS, admin: Caller
) -> None:
    own = allow(
        "iam:CreateServiceLinkedRole", ANY_ROLE_ARN, StringEquals={"iam:AWSServiceName": PRINCIPAL}
    )
    iam = user(enforcing, admin, own).client("iam")
    assert iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]["Arn"] == ROLE_ARN


def test_an_allow_whose_condition_fails_denies_nothing_another_statement_allows(
    enforcing: LocalAWS, admin: Caller
) -> None:
    # moto turns a failed condition of an Allow into an explicit deny; AWS just skips it.
    other = allow("iam:CreateServiceLinkedRole", "*", StringEquals=OTHER_SERVICE)
    own = allow("iam:CreateServiceLinkedRole", ANY_ROLE_ARN)
    iam = user(enforcing, admin, other, own).client("iam")
    assert iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]["Arn"] == ROLE_ARN


# -- resources -------------------------------------------------------------------------------


def test_a_create_is_authorized_against_the_arn_of_the_role_it_would_make(
    enforcing: LocalAWS, admin: Caller
) -> None:
    another_role = "arn:aws:iam::*:role/aws-service-role/elasticbeanstalk.amazonaws.com/*"
    iam = user(enforcing, admin, allow("iam:CreateServiceLinkedRole", another_role)).client("iam")
    with pytest.raises(ClientError) as raised:
        iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    assert f"on resource: {ROLE_ARN} " in refusal(raised)[2]


def test_a_role_that_does_not_exist_is_authorized_against_its_own_arn(
    enforcing: LocalAWS, admin: Caller
) -> None:
    iam = user(enforcing, admin, allow("iam:GetRole", ANY_ROLE_ARN)).client("iam")
    with pytest.raises(ClientError) as raised:
        iam.get_role(RoleName=ROLE)
    assert refusal(raised)[1] == "NoSuchEntity"


def test_a_deletion_status_is_authorized_against_the_role_of_the_task(
    enforcing: LocalAWS, admin: Caller
) -> None:
    enforcing.set_settings(task_visibility_seconds=0)  # authorization, not IAM's timing
    admin.client("iam").create_service_linked_role(AWSServiceName=PRINCIPAL)
    task = admin.client("iam").delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    allowed = user(enforcing, admin, allow("iam:GetServiceLinkedRoleDeletionStatus", ROLE_ARN))
    status = allowed.client("iam").get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] in ("NOT_STARTED", "IN_PROGRESS", "SUCCEEDED")


def test_an_explicit_deny_wins_over_an_allow(enforcing: LocalAWS, admin: Caller) -> None:
    iam = user(enforcing, admin, allow("iam:*"), deny("iam:GetRole", ANY_ROLE_ARN)).client("iam")
    with pytest.raises(ClientError) as raised:
        iam.get_role(RoleName=ROLE)
    assert refusal(raised)[2].endswith("with an explicit deny in an identity-based policy")


# -- MediaTailor -----------------------------------------------------------------------------


def test_a_mediatailor_write_is_authorized_against_the_resource_it_names(
    enforcing: LocalAWS, admin: Caller
) -> None:
    for name in ("linear", "other"):
        admin.client("mediatailor").create_channel(
            ChannelName=name, PlaybackMode="LOOP", Outputs=[]
        )
    channel = "arn:aws:mediatailor:us-east-1:123456789012:channel/linear"
    mediatailor = user(enforcing, admin, allow("mediatailor:ConfigureLogsForChannel", channel))
    client = mediatailor.client("mediatailor")
    client.configure_logs_for_channel(ChannelName="linear", LogTypes=["AS_RUN"])
    with pytest.raises(ClientError) as raised:
        client.configure_logs_for_channel(ChannelName="other", LogTypes=["AS_RUN"])
    status, code, message = refusal(raised)
    assert (status, code) == (403, "AccessDeniedException")
    assert message.endswith(
        "mediatailor:ConfigureLogsForChannel on resource: "
        "arn:aws:mediatailor:us-east-1:123456789012:channel/other because no identity-based "
        "policy allows the mediatailor:ConfigureLogsForChannel action"
    )


def test_signed_mediatailor_lists_pass_the_signature_check(
    enforcing: LocalAWS, admin: Caller
) -> None:
    lists = ["mediatailor:ListChannels", "mediatailor:ListPlaybackConfigurations"]
    client = user(enforcing, admin, allow(lists)).client("mediatailor", "eu-west-1")
    assert client.list_channels(MaxResults=5)["Items"] == []
    assert client.list_playback_configurations()["Items"] == []


def test_mediatailor_refuses_an_action_the_policy_lacks_in_its_own_error_form(
    enforcing: LocalAWS, admin: Caller
) -> None:
    client = user(enforcing, admin, allow("mediatailor:ListChannels")).client("mediatailor")
    with pytest.raises(ClientError) as raised:
        client.list_playback_configurations()
    assert refusal(raised)[:2] == (403, "AccessDeniedException")


def test_mediatailor_refuses_an_unknown_key(enforcing: LocalAWS, admin: Caller) -> None:
    unknown = Caller(enforcing, {"AccessKeyId": "AKIAUNKNOWN", "SecretAccessKey": "x"})
    with pytest.raises(ClientError) as raised:
        unknown.client("mediatailor").list_channels()
    assert refusal(raised)[:2] == (403, "UnrecognizedClientException")


# -- the evaluation itself -------------------------------------------------------------------

KEYS = {"iam:awsservicename": [PRINCIPAL], "aws:requestedregion": ["us-east-1"]}


def decide(**condition: Any) -> Decision:
    statement = allow("iam:CreateServiceLinkedRole", "*", **condition)
    return evaluate([{"Statement": [statement]}], "iam:CreateServiceLinkedRole", "r", KEYS)


@pytest.mark.parametrize(
    ("condition", "decision"),
    [
        ({"StringLike": {"iam:AWSServiceName": "mediatailor.*"}}, Decision.ALLOW),
        ({"StringLike": {"iam:AWSServiceName": "ec2.*"}}, Decision.IMPLICIT_DENY),
        ({"StringEquals": {"iam:awsservicename": [PRINCIPAL, "x"]}}, Decision.ALLOW),
        ({"StringNotEquals": {"iam:AWSServiceName": PRINCIPAL}}, Decision.IMPLICIT_DENY),
        ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, Decision.IMPLICIT_DENY),
        ({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, Decision.ALLOW),
        ({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}, Decision.ALLOW),
        ({"Null": {"aws:SourceVpc": "true"}}, Decision.ALLOW),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, Decision.IMPLICIT_DENY),
    ],
    ids=[
        "like",
        "like-another",
        "any-of-values",
        "not-equals",
        "missing-key",
        "missing-key-if-exists",
        "missing-key-negated",
        "null",
        "unknown-operator-fails-closed",
    ],
)
def test_conditions_are_evaluated_as_aws_does(
    condition: dict[str, Any], decision: Decision
) -> None:
    assert decide(**condition) is decision
