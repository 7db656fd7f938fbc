"""The server process: reset, settings, moto's own endpoints, IAM enforcement, clean exit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPConnection
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localaws import Fault, LocalAWS, LocalAWSError
from tests import recorder

ClientFactory = Callable[..., Any]

ROLE = "AWSServiceRoleForMediaTailor"


def http(aws: LocalAWS, method: str, path: str, body: bytes | None = None) -> Any:
    request = urllib.request.Request(f"{aws.endpoint_url}{path}", data=body, method=method)
    with urllib.request.urlopen(request) as response:
        return response.read()


def test_the_endpoint_is_local(aws: LocalAWS) -> None:
    assert aws.endpoint_url == f"http://127.0.0.1:{aws.port}"


def test_health_names_motos_version(aws: LocalAWS) -> None:
    health = json.loads(http(aws, "GET", "/_localaws/health"))
    assert health == {"status": "ok", "moto": "5.2.5"}


def configurations(mediatailor: Any) -> list[str]:
    """Every playback configuration's name, following NextToken (pages may be short)."""
    pages = mediatailor.get_paginator("list_playback_configurations").paginate()
    return [item["Name"] for page in pages for item in page["Items"]]


def test_a_connection_serves_request_after_request_as_awss_endpoints_do(aws: LocalAWS) -> None:
    connection = HTTPConnection("127.0.0.1", aws.port, timeout=10)
    answers = []
    sockets = []
    # The second request carries a body the server never reads: it must not spoil the third.
    for body in (None, b"x" * 5000, None):
        connection.request("GET", "/_localaws/health", body=body)
        response = connection.getresponse()
        answers.append((response.status, response.getheader("Connection"), response.read()))
        sockets.append(connection.sock)
    connection.close()
    assert [(status, closing) for status, closing, _ in answers] == [(200, None)] * 3
    assert all(json.loads(body)["status"] == "ok" for _, _, body in answers)
    # http.client opens a new connection when the server closed the last one: it did not.
    assert sockets[0] is not None
    assert sockets[1] is sockets[0]
    assert sockets[2] is sockets[0]


def test_reset_empties_every_service(aws: LocalAWS, client: ClientFactory) -> None:
    aws.set_settings(iam_consistency_seconds=0)  # a role left behind would show at once
    mediatailor = client("mediatailor", "eu-west-1")
    mediatailor.put_playback_configuration(Name="pc-1")
    client("iam").create_service_linked_role(AWSServiceName="mediatailor.amazonaws.com")
    aws.reset()
    assert configurations(mediatailor) == []
    assert client("iam").list_roles()["Roles"] == []


def test_reset_forgets_deletion_tasks(aws: LocalAWS, client: ClientFactory) -> None:
    iam = client("iam")
    iam.create_service_linked_role(AWSServiceName="mediatailor.amazonaws.com")
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    aws.reset()
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)


def test_reset_clears_faults(aws: LocalAWS, client: ClientFactory) -> None:
    aws.set_faults([Fault(service="*", kind="server_error")])
    aws.reset()
    assert aws.armed_faults() == []
    assert client("iam").list_roles()["Roles"] == []


def test_reset_restores_the_deletion_seconds(aws: LocalAWS) -> None:
    start = json.loads(http(aws, "GET", "/_localaws/settings"))
    aws.set_deletion_seconds(7.5)
    aws.reset()
    assert json.loads(http(aws, "GET", "/_localaws/settings")) == start


def test_deletion_seconds_can_be_set_over_http(aws: LocalAWS) -> None:
    answer = http(aws, "PUT", "/_localaws/settings", json.dumps({"deletion_seconds": 4}).encode())
    assert json.loads(answer)["deletion_seconds"] == 4.0


def test_a_negative_deletion_time_is_refused(aws: LocalAWS) -> None:
    with pytest.raises(LocalAWSError, match="deletion_seconds must be a finite number >= 0"):
        aws.set_deletion_seconds(-1)


def test_a_request_whose_body_never_arrived_whole_is_not_served(
    aws: LocalAWS, client: ClientFactory
) -> None:
    # A client killed while sending: the headers promise more body than ever comes.
    mediatailor = client("mediatailor")
    mediatailor.put_playback_configuration(Name="live")
    recorder.start(aws)
    body = json.dumps({"PercentEnabled": 0}).encode()
    with socket.create_connection(("127.0.0.1", aws.port), timeout=10) as sock:
        head = (
            "PUT /configureLogs/playbackConfiguration HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{aws.port}\r\nContent-Type: application/json\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/"
            "mediatailor/aws4_request, SignedHeaders=host, Signature=0\r\n"
            f"Content-Length: {len(body) + 50}\r\n\r\n"
        )
        sock.sendall(head.encode() + body)
        sock.shutdown(socket.SHUT_WR)
        sock.recv(1024)  # the server is done with it
    recorder.stop(aws)
    assert recorder.requests(aws) == []
    # ...and the same request sent whole is served.
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="live", PercentEnabled=20
    )
    found = mediatailor.get_playback_configuration(Name="live")
    assert found["LogConfiguration"]["PercentEnabled"] == 20


def put_settings(aws: LocalAWS, body: Any) -> tuple[int, Any]:
    try:
        answer = http(aws, "PUT", "/_localaws/settings", json.dumps(body).encode())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    return 200, json.loads(answer)


def test_the_session_server_is_as_harsh_as_aws_only_faster(aws: LocalAWS) -> None:
    assert aws.settings() == {
        "deletion_seconds": 0.3,
        "task_retention_seconds": 0.5,
        "task_visibility_seconds": 0.1,
        "usage_lag_seconds": 0.3,
        "iam_consistency_seconds": 0.3,
        "opt_in_regions_disabled": True,
        "region_change_seconds": 0.3,
        "dynamodb_transaction_seconds": 0.0,
        "short_pages": True,
        "dynamodb_short_pages": True,
        "list_omits_log_configuration": False,
        "credential_seconds": 3600.0,
        "config_stopped_recorder_blocks": False,
    }


def test_every_setting_can_be_changed_over_http(aws: LocalAWS) -> None:
    changes = {
        "task_retention_seconds": 9,
        "task_visibility_seconds": 2,
        "usage_lag_seconds": 60,
        "iam_consistency_seconds": 0,
        "opt_in_regions_disabled": False,
        "region_change_seconds": 0,
        "dynamodb_transaction_seconds": 0.0,
        "short_pages": False,
        "dynamodb_short_pages": False,
        "list_omits_log_configuration": True,
        "credential_seconds": 900,
        "config_stopped_recorder_blocks": True,
    }
    status, answer = put_settings(aws, changes)
    assert status == 200
    assert {name: answer[name] for name in changes} == changes
    assert aws.settings() == answer


@pytest.mark.parametrize(
    "body",
    [
        {"short_pages": False, "shrot_pages": False},
        {"short_pages": False, "iam_consistency_seconds": -1},
        {"short_pages": "no"},
        {"task_retention_seconds": True},
        {"task_retention_seconds": "5"},
        [1, 2],
    ],
    ids=["unknown", "negative", "not-a-flag", "flag-as-seconds", "string", "not-an-object"],
)
def test_a_bad_settings_body_is_refused_and_changes_nothing(aws: LocalAWS, body: Any) -> None:
    before = aws.settings()
    status, answer = put_settings(aws, body)
    assert status == 400
    assert answer["error"]
    assert aws.settings() == before


def test_reset_puts_every_setting_back(aws: LocalAWS) -> None:
    start = aws.settings()
    aws.set_settings(short_pages=False, opt_in_regions_disabled=False, task_retention_seconds=60)
    aws.reset()
    assert aws.settings() == start


def test_a_local_aws_starts_with_the_settings_it_is_given() -> None:
    with LocalAWS(short_pages=False, iam_consistency_seconds=0) as server:
        settings = server.settings()
        assert (settings["short_pages"], settings["iam_consistency_seconds"]) == (False, 0.0)
        server.set_settings(short_pages=True)
        server.reset()
        assert server.settings()["short_pages"] is False


def test_a_local_aws_starts_as_harsh_as_aws_by_default() -> None:
    with LocalAWS() as server:
        settings = server.settings()
    assert settings == {
        "deletion_seconds": 2.0,
        "task_retention_seconds": 5.0,
        "task_visibility_seconds": 1.0,
        "usage_lag_seconds": 3.0,
        "iam_consistency_seconds": 1.0,
        "opt_in_regions_disabled": True,
        "region_change_seconds": 3.0,
        "dynamodb_transaction_seconds": 0.0,
        "short_pages": True,
        "dynamodb_short_pages": True,
        "list_omits_log_configuration": False,
        "credential_seconds": 3600.0,
        "config_stopped_recorder_blocks": False,
    }


def test_an_unknown_setting_is_refused_before_the_server_starts() -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        LocalAWS(shortpages=False)


def test_an_unknown_control_endpoint_is_not_found(aws: LocalAWS) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        http(aws, "GET", "/_localaws/nothing")
    assert raised.value.code == 404


def test_motos_own_reset_still_works(aws: LocalAWS, client: ClientFactory) -> None:
    mediatailor = client("mediatailor")
    mediatailor.put_playback_configuration(Name="pc-1")
    http(aws, "POST", "/moto-api/reset")
    assert configurations(mediatailor) == []


def test_motos_recorder_records_mediatailor_requests(aws: LocalAWS, client: ClientFactory) -> None:
    mediatailor = client("mediatailor")
    http(aws, "POST", "/moto-api/recorder/reset-recording")
    http(aws, "POST", "/moto-api/recorder/start-recording")
    try:
        mediatailor.put_playback_configuration(Name="recorded")
        mediatailor.list_playback_configurations(MaxResults=5)
    finally:
        http(aws, "POST", "/moto-api/recorder/stop-recording")
    recording = http(aws, "GET", "/moto-api/recorder/download-recording").decode()
    entries = [json.loads(line) for line in recording.splitlines()]
    assert [(e["method"], e["url"].split("?")[0].rsplit("/", 1)[1]) for e in entries] == [
        ("PUT", "playbackConfiguration"),
        ("GET", "playbackConfigurations"),
    ]


def test_iam_enforcement_lets_the_first_requests_through_then_checks() -> None:
    with LocalAWS(iam_enforcement_after=2) as enforcing:
        iam = enforcing.client("iam", config=Config(retries={"total_max_attempts": 1}))
        iam.list_roles()
        iam.list_roles()
        with pytest.raises(ClientError) as raised:
            iam.list_roles()
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        enforcing.reset()
        iam.list_roles()


def test_a_failed_start_reports_the_childs_output(aws: LocalAWS) -> None:
    with pytest.raises(LocalAWSError, match="exited") as raised:
        LocalAWS(port=aws.port).start()
    assert "in use" in str(raised.value)


def test_stop_ends_the_server() -> None:
    aws = LocalAWS().start()
    url = aws.endpoint_url
    aws.stop()
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"{url}/_localaws/health", timeout=2)
    assert not aws.running


def test_the_server_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from localaws import LocalAWS; "
            "aws = LocalAWS().start(); print(aws.endpoint_url, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    url = parent.stdout.readline().strip()
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_localaws/health", timeout=1)
        except OSError:
            return
        time.sleep(0.1)
    pytest.fail(f"the server at {url} outlived its parent (pid {os.getpid()} is the test)")
