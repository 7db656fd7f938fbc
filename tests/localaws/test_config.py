"""AWS Config's configuration recorders as users of AWSServiceRoleForConfig, through real
boto3 clients over HTTP to the local AWS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from localaws import LocalAWS
from localaws.config import recorder, recorders, role_arn
from localaws.seed import Account
from tests.localaws.answers import error_of, prompt_account
from tests.localaws.test_service_linked_roles import wait_for_deletion

#: AWS's lag or window, longer than any test: a test ends it by moving the local AWS's clock.
LAG = 600.0

ClientFactory = Callable[..., Any]

ROLE = "AWSServiceRoleForConfig"
ROLE_ARN = f"arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/{ROLE}"


@pytest.fixture
def account(aws: LocalAWS) -> Account:
    return prompt_account(aws, retention=LAG)


def recorder_arn(account: Account, region: str, name: str = "default") -> str:
    config = account.client("config", region)
    [described] = config.describe_configuration_recorders(ConfigurationRecorderNames=[name])[
        "ConfigurationRecorders"
    ]
    arn: str = described["arn"]
    return arn


def delete_role(account: Account) -> dict[str, Any]:
    iam = account.client("iam")
    return wait_for_deletion(iam, iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"])


def test_the_role_arn_is_the_service_linked_roles() -> None:
    assert role_arn("123456789012") == ROLE_ARN
    assert role_arn("123456789012", "aws-cn").startswith("arn:aws-cn:iam::123456789012:role/")


def test_the_first_recorder_naming_the_role_creates_it_with_awss_name(account: Account) -> None:
    iam = account.client("iam")
    assert account.role(ROLE) is None
    recorder(account, "eu-west-1")
    role = iam.get_role(RoleName=ROLE)["Role"]
    assert (role["Arn"], role["Path"]) == (ROLE_ARN, "/aws-service-role/config.amazonaws.com/")
    [policy] = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert policy["PolicyName"] == "AWSConfigServiceRolePolicy"
    recorder(account, "us-east-1")  # the role exists: no second one, no error
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == [ROLE]


def test_a_recorder_naming_another_role_creates_none(account: Account) -> None:
    account.client("config").put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": "arn:aws:iam::123456789012:role/x"}
    )
    assert account.client("iam").list_roles()["Roles"] == []


def test_iam_names_configs_role_as_aws_does_and_takes_no_suffix(account: Account) -> None:
    iam = account.client("iam")
    assert error_of(
        lambda: iam.create_service_linked_role(
            AWSServiceName="config.amazonaws.com", CustomSuffix="x"
        )
    ) == ("InvalidInput", 400, "Custom suffix is not allowed for config.amazonaws.com")
    created = iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]
    assert created["RoleName"] == ROLE


def test_a_recording_recorder_fails_the_deletion_then_stopped_it_succeeds(
    account: Account,
) -> None:
    recorder(account, "us-east-1")
    recorder(account, "eu-west-1", "main")
    failed = delete_role(account)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["RoleUsageList"] == [
        {"Region": "eu-west-1", "Resources": [recorder_arn(account, "eu-west-1", "main")]},
        {"Region": "us-east-1", "Resources": [recorder_arn(account, "us-east-1")]},
    ]
    assert account.role(ROLE) is not None

    account.client("config").stop_configuration_recorder(ConfigurationRecorderName="default")
    account.client("config", "eu-west-1").stop_configuration_recorder(
        ConfigurationRecorderName="main"
    )
    assert delete_role(account) == {"Status": "SUCCEEDED"}
    assert account.role(ROLE) is None


def test_a_stopped_recorder_blocks_the_deletion_when_the_setting_says_so(
    aws: LocalAWS, account: Account
) -> None:
    recorder(account, "us-east-1", recording=False)
    aws.set_settings(config_stopped_recorder_blocks=True)
    failed = delete_role(account)
    assert failed["Reason"]["RoleUsageList"] == [
        {"Region": "us-east-1", "Resources": [recorder_arn(account, "us-east-1")]}
    ]
    aws.set_settings(config_stopped_recorder_blocks=False)
    assert delete_role(account) == {"Status": "SUCCEEDED"}


@pytest.mark.parametrize(
    "stop",
    [
        lambda config: config.stop_configuration_recorder(ConfigurationRecorderName="default"),
        lambda config: config.delete_configuration_recorder(ConfigurationRecorderName="default"),
        lambda config: config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": "arn:aws:iam::123456789012:role/config-recorder",
            }
        ),
    ],
    ids=["stopped", "deleted", "another-role"],
)
def test_a_recorder_that_just_stopped_using_the_role_still_fails_the_deletion(
    aws: LocalAWS, account: Account, stop: Callable[[Any], object]
) -> None:
    aws.set_settings(usage_lag_seconds=LAG, deletion_seconds=0.1)
    recorder(account, "us-east-1")
    arn = recorder_arn(account, "us-east-1")
    stop(account.client("config"))
    failed = delete_role(account)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["RoleUsageList"] == [{"Region": "us-east-1", "Resources": [arn]}]
    aws.advance_clock(LAG)  # the lag has passed: the same deletion succeeds
    assert delete_role(account) == {"Status": "SUCCEEDED"}


def test_the_seed_helpers_read_what_they_put(account: Account) -> None:
    assert recorder(account, "us-east-1") == "default"
    assert recorders(account, "us-east-1") == {"default": {"roleARN": ROLE_ARN, "recording": True}}
    recorder(account, "us-east-1", recording=False)
    assert recorders(account, "us-east-1") == {"default": {"roleARN": ROLE_ARN, "recording": False}}
    assert recorders(account, "eu-west-1") == {}


# -- moto's Config, where the workflow calls it ------------------------------------------------


def test_both_describes_answer_the_recorders_arn_which_a_put_keeps(account: Account) -> None:
    recorder(account, "eu-west-1", "main")
    config = account.client("config", "eu-west-1")
    arn = recorder_arn(account, "eu-west-1", "main")
    assert arn.startswith("arn:aws:config:eu-west-1:123456789012:configuration-recorder/main/")
    assert len(arn.rsplit("/", 1)[1]) == 16
    [status] = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    assert (status["arn"], status["name"], status["recording"]) == (arn, "main", True)
    config.put_configuration_recorder(ConfigurationRecorder={"name": "main", "roleARN": ROLE_ARN})
    assert recorder_arn(account, "eu-west-1", "main") == arn
    [described] = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert described["roleARN"] == ROLE_ARN


def test_a_recorder_deleted_and_put_again_gets_a_new_arn(account: Account) -> None:
    recorder(account, "us-east-1", recording=False)
    before = recorder_arn(account, "us-east-1")
    account.client("config").delete_configuration_recorder(ConfigurationRecorderName="default")
    recorder(account, "us-east-1", recording=False)
    assert recorder_arn(account, "us-east-1") != before


def test_a_recorder_starts_only_with_a_delivery_channel(account: Account) -> None:
    config = account.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": ROLE_ARN}
    )
    assert error_of(
        lambda: config.start_configuration_recorder(ConfigurationRecorderName="default")
    )[:2] == ("NoAvailableDeliveryChannelException", 400)
    [status] = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    assert status["recording"] is False


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.describe_configuration_recorders(ConfigurationRecorderNames=["nope"]),
        lambda c: c.describe_configuration_recorder_status(ConfigurationRecorderNames=["nope"]),
        lambda c: c.start_configuration_recorder(ConfigurationRecorderName="nope"),
        lambda c: c.stop_configuration_recorder(ConfigurationRecorderName="nope"),
        lambda c: c.delete_configuration_recorder(ConfigurationRecorderName="nope"),
    ],
    ids=["Describe", "DescribeStatus", "Start", "Stop", "Delete"],
)
def test_an_unknown_recorder_is_no_such_configuration_recorder(
    account: Account, call: Callable[[Any], object]
) -> None:
    code, status, message = error_of(lambda: call(account.client("config")))
    assert (code, status) == ("NoSuchConfigurationRecorderException", 400)
    assert "nope" in message


def test_one_recorder_per_region(account: Account) -> None:
    recorder(account, "us-east-1")
    config = account.client("config")
    assert error_of(
        lambda: config.put_configuration_recorder(
            ConfigurationRecorder={"name": "second", "roleARN": ROLE_ARN}
        )
    )[:2] == ("MaxNumberOfConfigurationRecordersExceededException", 400)
    recorder(account, "eu-west-1", "second")  # another region is another limit


def test_a_recorder_without_a_role_is_invalid_role(account: Account) -> None:
    config = account.client("config")
    code, status, _ = error_of(
        lambda: config.put_configuration_recorder(ConfigurationRecorder={"name": "default"})
    )
    assert (code, status) == ("InvalidRoleException", 400)
    assert config.describe_configuration_recorders()["ConfigurationRecorders"] == []
