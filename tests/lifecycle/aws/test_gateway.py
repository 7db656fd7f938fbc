"""Error classification, AwsError's one line, and the Gateway call layer's unit-level rules.

No network: clients point at ``http://127.0.0.1:9`` (nothing listens there, so a request that
really went out would fail to connect), and ``botocore.stub.Stubber`` answers for AWS where a
test needs an answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.aws.codes import FATAL, THROTTLING, TRANSIENT, classify, error_code
from lifecycle.aws.gateway import Gateway
from lifecycle.aws.retry import Deadline
from lifecycle.errors import AwsError, ErrorKind, Refused
from lifecycle.model.calls import Call
from lifecycle.model.retry import RetryPolicy
from workflows.mediatailor import WORKFLOW

NOWHERE = "http://127.0.0.1:9"
REGION = "us-east-1"
QUICK = RetryPolicy(0.001, 2.0, 3, jitter="NONE")
KNOWN_CODES = THROTTLING | TRANSIENT | FATAL


def client_error(code: str, status: int, message: str = "it failed") -> Exception:
    error: Exception = botocore.exceptions.ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "SomeOperation",
    )
    return error


statuses = st.sampled_from([400, 403, 404, 409, 429, 500, 502, 503])
unknown_codes = st.text(
    alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=30
).filter(lambda code: code not in KNOWN_CODES)


# -- classify ---------------------------------------------------------------------------------


@settings(max_examples=80)
@given(st.sampled_from(sorted(THROTTLING | TRANSIENT)), statuses, st.booleans())
def test_throttling_and_transient_codes_are_retryable_whatever_the_status(
    code: str, status: int, eventual: bool
) -> None:
    assert classify(client_error(code, status), eventual_not_found=eventual) is ErrorKind.RETRYABLE


@settings(max_examples=80)
@given(
    st.sampled_from(sorted(FATAL - {"NoSuchEntity"})),
    statuses.filter(lambda status: status != 429),
    st.booleans(),
)
def test_fatal_codes_are_fatal_even_with_a_5xx_status(
    code: str, status: int, eventual: bool
) -> None:
    assert classify(client_error(code, status), eventual_not_found=eventual) is ErrorKind.FATAL


@settings(max_examples=80)
@given(st.one_of(st.sampled_from(sorted(FATAL)), unknown_codes), st.booleans())
def test_any_429_is_throttling_whatever_its_code(code: str, eventual: bool) -> None:
    assert classify(client_error(code, 429), eventual_not_found=eventual) is ErrorKind.RETRYABLE


def test_no_such_entity_is_eventual_when_eventual_not_found_is_asked() -> None:
    error = client_error("NoSuchEntity", 404)
    assert classify(error, eventual_not_found=True) is ErrorKind.EVENTUAL


def test_no_such_entity_is_fatal_by_default() -> None:
    assert classify(client_error("NoSuchEntity", 404)) is ErrorKind.FATAL


def test_eventual_not_found_does_not_soften_mediatailors_not_found() -> None:
    error = client_error("NotFoundException", 404)
    assert classify(error, eventual_not_found=True) is ErrorKind.FATAL


@settings(max_examples=60)
@given(unknown_codes, st.integers(500, 599))
def test_an_unknown_code_with_a_5xx_status_is_retryable(code: str, status: int) -> None:
    assert classify(client_error(code, status)) is ErrorKind.RETRYABLE


@settings(max_examples=60)
@given(unknown_codes, st.integers(400, 499).filter(lambda status: status != 429))
def test_an_unknown_code_with_a_4xx_status_is_fatal(code: str, status: int) -> None:
    assert classify(client_error(code, status)) is ErrorKind.FATAL


@pytest.mark.parametrize(
    "error",
    [
        botocore.exceptions.EndpointConnectionError(endpoint_url=NOWHERE),
        botocore.exceptions.ConnectTimeoutError(endpoint_url=NOWHERE),
        botocore.exceptions.ReadTimeoutError(endpoint_url=NOWHERE),
        botocore.exceptions.ConnectionError(error="connection refused"),
    ],
    ids=type,
)
def test_connection_errors_and_timeouts_are_retryable(error: Exception) -> None:
    assert classify(error) is ErrorKind.RETRYABLE


def test_a_connection_closed_before_the_response_is_retryable() -> None:
    error = botocore.exceptions.ConnectionClosedError(endpoint_url=NOWHERE)
    assert classify(error) is ErrorKind.RETRYABLE


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        KeyError("Role"),
        RuntimeError("boom"),
        botocore.exceptions.NoCredentialsError(),
        botocore.exceptions.ParamValidationError(report="Invalid type for parameter X"),
    ],
    ids=type,
)
def test_an_error_without_an_aws_code_is_fatal(error: Exception) -> None:
    assert classify(error, eventual_not_found=True) is ErrorKind.FATAL


def test_error_code_is_the_wire_code_of_a_client_error() -> None:
    assert error_code(client_error("ThrottlingException", 429)) == "ThrottlingException"


def test_error_code_is_none_for_anything_but_a_client_error() -> None:
    assert error_code(botocore.exceptions.EndpointConnectionError(endpoint_url=NOWHERE)) is None


# -- AwsError ---------------------------------------------------------------------------------


@settings(max_examples=80)
@given(
    service=st.sampled_from(["iam", "mediatailor", "sts"]),
    operation=st.from_regex(r"[A-Z][A-Za-z]{2,30}", fullmatch=True),
    region=st.sampled_from(["us-east-1", "eu-west-1", "-"]),
    code=st.from_regex(r"[A-Z][A-Za-z]{2,30}", fullmatch=True),
    message=st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
    attempts=st.integers(0, 10),
)
def test_aws_error_is_one_line_naming_operation_region_code_and_message(
    service: str, operation: str, region: str, code: str, message: str, attempts: int
) -> None:
    text = str(AwsError(service, operation, region, code, message, attempts))
    assert len(text.splitlines()) == 1
    assert text.startswith(f"{service}:{operation} in {region} failed")
    # AWS's words are all there, in order, whatever whitespace (line breaks too) sat between.
    words = [f"{code}:", *message.split()]
    assert text.split()[-len(words) :] == words
    before_code = text.split(f": {code}:")[0]
    assert (f" after {attempts} attempts" in before_code) is (attempts > 1)


@pytest.mark.parametrize(("attempts", "tries"), [(0, ""), (1, ""), (2, " after 2 attempts")])
def test_aws_error_says_after_n_attempts_only_when_retried(attempts: int, tries: str) -> None:
    error = AwsError("iam", "GetRole", "us-east-1", "AccessDenied", "no", attempts)
    assert str(error) == f"iam:GetRole in us-east-1 failed{tries}: AccessDenied: no"


# -- Gateway: fixtures ----------------------------------------------------------------------------


class RecordingJournal:
    """A WriteJournal that remembers every call, in order, in ``events``."""

    def __init__(self, events: list[tuple[Any, ...]] | None = None) -> None:
        self.events: list[tuple[Any, ...]] = [] if events is None else events

    def before_write(self, call: Call) -> int:
        self.events.append(
            ("before_write", call.service, call.operation, call.region, dict(call.params))
        )
        return 41

    def after_write(
        self,
        token: int,
        *,
        ok: bool,
        response: Mapping[str, Any] | None,
        error: str | None,
        attempts: int,
    ) -> None:
        self.events.append(("after_write", token, ok, error, attempts))


@pytest.fixture
def session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def make_aws(session: boto3.session.Session, **kwargs: Any) -> Gateway:
    kwargs.setdefault("endpoint_url", NOWHERE)
    kwargs.setdefault("sleep", lambda _: None)
    return Gateway(
        session,
        declared=frozenset((op.service, op.name) for op in WORKFLOW.operations()),
        read_only=WORKFLOW.read_only_operations(),
        **kwargs,
    )


@pytest.fixture
def stubbed(session: boto3.session.Session) -> Iterator[tuple[Gateway, RecordingJournal, Stubber]]:
    """An Gateway with a recording journal whose us-east-1 MediaTailor client a Stubber answers."""
    journal = RecordingJournal()
    aws = make_aws(session, journal=journal)
    with Stubber(aws.client("mediatailor", REGION)) as stubber:
        yield aws, journal, stubber
        stubber.assert_no_pending_responses()


CONFIGURE = "ConfigureLogsForPlaybackConfiguration"
DEACTIVATE = {"PlaybackConfigurationName": "live", "PercentEnabled": 0}


# -- Gateway: refusals ----------------------------------------------------------------------------


def test_a_dry_run_refuses_a_declared_write_before_sending_it(
    session: boto3.session.Session,
) -> None:
    aws = make_aws(session, dry_run=True)
    with pytest.raises(Refused, match="a dry run sends no write"):
        aws.call("mediatailor", CONFIGURE, REGION, DEACTIVATE, policy=QUICK)
    # Sent, it would have failed to connect (and been retried): refused, it was tried once.
    [record] = aws.records
    assert (record.outcome, record.attempts, record.access) == ("refused", 1, "write")


def test_a_dry_run_still_sends_a_read(session: boto3.session.Session) -> None:
    # The control for the test above: the same dry-run client does reach the network.
    aws = make_aws(session, dry_run=True)
    with pytest.raises(AwsError) as raised:
        aws.call(
            "mediatailor", "ListPlaybackConfigurations", REGION, {}, policy=RetryPolicy(0.001, 1, 0)
        )
    assert raised.value.code == "EndpointConnectionError"
    assert not isinstance(raised.value, Refused)


def test_an_operation_the_workflow_does_not_declare_is_refused_outside_dry_run(
    session: boto3.session.Session,
) -> None:
    aws = make_aws(session)
    with pytest.raises(Refused, match="not declared by the workflow"):
        aws.call(
            "iam", "DeleteRole", REGION, {"RoleName": "AWSServiceRoleForMediaTailor"}, policy=QUICK
        )
    assert aws.records[0].outcome == "refused"


# -- Gateway: pagination --------------------------------------------------------------------------


def configuration(name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "LogConfiguration": {"PercentEnabled": 100, "EnabledLoggingStrategies": ["VENDED_LOGS"]},
    }


def test_paginate_follows_next_token_across_pages(
    stubbed: tuple[Gateway, RecordingJournal, Stubber],
) -> None:
    aws, _, stubber = stubbed
    pages = [(["a", "b"], "t1"), (["c"], "t2"), (["d", "e"], None)]
    token: str | None = None
    for names, next_token in pages:
        response: dict[str, Any] = {"Items": [configuration(n) for n in names]}
        if next_token:
            response["NextToken"] = next_token
        expected = {"MaxResults": 100} | ({"NextToken": token} if token else {})
        stubber.add_response("list_playback_configurations", response, expected)
        token = next_token
    items = aws.paginate(
        "mediatailor",
        "ListPlaybackConfigurations",
        REGION,
        {"MaxResults": 100},
        items="Items",
        policy=QUICK,
    )
    assert [item["Name"] for item in items] == ["a", "b", "c", "d", "e"]


def test_paginate_records_each_page_as_one_call(
    stubbed: tuple[Gateway, RecordingJournal, Stubber],
) -> None:
    aws, _, stubber = stubbed
    stubber.add_response("list_playback_configurations", {"Items": [], "NextToken": "t1"})
    stubber.add_response("list_playback_configurations", {"Items": [], "NextToken": "t2"})
    stubber.add_response("list_playback_configurations", {"Items": []})
    list(
        aws.paginate(
            "mediatailor", "ListPlaybackConfigurations", REGION, {}, items="Items", policy=QUICK
        )
    )
    assert [(r.call.operation, r.call.params, r.attempts) for r in aws.records] == [
        ("ListPlaybackConfigurations", {}, 1),
        ("ListPlaybackConfigurations", {"NextToken": "t1"}, 1),
        ("ListPlaybackConfigurations", {"NextToken": "t2"}, 1),
    ]


# -- Gateway: the write journal -------------------------------------------------------------------


def test_a_write_is_journaled_before_it_is_sent_and_its_success_after(
    stubbed: tuple[Gateway, RecordingJournal, Stubber],
) -> None:
    aws, journal, stubber = stubbed
    client = aws.client("mediatailor", REGION)
    # Registered first, this runs just before the Stubber answers: the moment of sending.
    client.meta.events.register_first(
        "before-call.*.*", lambda **_: journal.events.append(("sent",))
    )
    stubber.add_response(
        "configure_logs_for_playback_configuration",
        {"PlaybackConfigurationName": "live", "PercentEnabled": 0},
        DEACTIVATE,
    )
    aws.call("mediatailor", CONFIGURE, REGION, DEACTIVATE, policy=QUICK)
    assert journal.events == [
        ("before_write", "mediatailor", CONFIGURE, REGION, DEACTIVATE),
        ("sent",),
        ("after_write", 41, True, None, 1),
    ]


def test_a_write_that_fails_for_good_is_journaled_as_not_ok(
    stubbed: tuple[Gateway, RecordingJournal, Stubber],
) -> None:
    aws, journal, stubber = stubbed
    stubber.add_client_error(
        "configure_logs_for_playback_configuration",
        service_error_code="AccessDeniedException",
        service_message="not authorized",
        http_status_code=403,
    )
    with pytest.raises(AwsError, match="AccessDeniedException"):
        aws.call("mediatailor", CONFIGURE, REGION, DEACTIVATE, policy=QUICK)
    [before, after] = journal.events
    assert before[0] == "before_write"
    assert after[:3] == ("after_write", 41, False)
    assert "AccessDeniedException: not authorized" in after[3]
    assert after[4] == 1


def test_a_retried_write_is_journaled_once_with_its_attempts(
    stubbed: tuple[Gateway, RecordingJournal, Stubber],
) -> None:
    aws, journal, stubber = stubbed
    stubber.add_client_error(
        "configure_logs_for_playback_configuration",
        service_error_code="ThrottlingException",
        http_status_code=429,
    )
    stubber.add_response(
        "configure_logs_for_playback_configuration",
        {"PlaybackConfigurationName": "live", "PercentEnabled": 0},
    )
    aws.call("mediatailor", CONFIGURE, REGION, DEACTIVATE, policy=QUICK)
    assert [event[0] for event in journal.events] == ["before_write", "after_write"]
    assert journal.events[1][1:] == (41, True, None, 2)


def test_a_throttled_call_whose_next_slot_comes_after_the_deadline_fails_as_a_deadline_fails(
    session: boto3.session.Session,
) -> None:
    # The first throttling answer spaces the sends about a second apart: the next slot would
    # come after a deadline a second away, so the call fails with AWS's last answer, as the
    # retry layer fails a call whose next sleep would end past the deadline.
    sleeps: list[float] = []
    aws = make_aws(session, deadline=Deadline(1.0), sleep=sleeps.append)
    with Stubber(aws.client("mediatailor", REGION)) as stubber:
        stubber.add_client_error(
            "configure_logs_for_playback_configuration",
            service_error_code="ThrottlingException",
            http_status_code=429,
        )
        stubber.add_response("configure_logs_for_playback_configuration", DEACTIVATE)
        with pytest.raises(AwsError) as failed:
            aws.call("mediatailor", CONFIGURE, REGION, DEACTIVATE, policy=QUICK)
    assert (failed.value.code, failed.value.attempts) == ("ThrottlingException", 1)
    assert sum(sleeps) < 1.0


def test_a_read_is_not_journaled(session: boto3.session.Session) -> None:
    journal = RecordingJournal()
    aws = make_aws(session, journal=journal)
    role = {
        "Path": "/aws-service-role/mediatailor.amazonaws.com/",
        "RoleName": "AWSServiceRoleForMediaTailor",
        "RoleId": "AROAEXAMPLEEXAMPLE123",
        "Arn": "arn:aws:iam::123456789012:role/aws-service-role/mediatailor.amazonaws.com/"
        "AWSServiceRoleForMediaTailor",
        "CreateDate": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    }
    with Stubber(aws.client("iam", REGION)) as stubber:
        stubber.add_response("get_role", {"Role": role})
        aws.call("iam", "GetRole", REGION, {"RoleName": role["RoleName"]}, policy=QUICK)
    assert journal.events == []
    assert aws.records[0].access == "read"


def test_an_invalid_parameter_fails_as_a_one_line_aws_error(
    session: boto3.session.Session,
) -> None:
    aws = make_aws(session)
    params = {"PlaybackConfigurationName": "live", "PercentEnabled": "zero"}
    with pytest.raises(AwsError) as raised:
        aws.call("mediatailor", CONFIGURE, REGION, params, policy=QUICK)
    assert len(str(raised.value).splitlines()) == 1
