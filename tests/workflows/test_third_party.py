"""A workflow from another package: installed as pip installs one (a package beside its
``.dist-info`` naming the ``slr_lifecycle.workflows`` entry point), it is listed with where it
came from, and ``status``, ``plan`` and ``apply`` run it against the local AWS, as ours."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lifecycle.cli import exits
from localaws import LocalAWS
from localaws.seed import Account

#: The whole of another package's workflow: Elastic Beanstalk's role, its environments a kind
#: only a person clears. It imports the engine's public API and nothing else of ours.
PACKAGE = '''
    """Elastic Beanstalk's service-linked role, as another team would write its workflow."""

    from lifecycle import Access, Dependent, Kind, Operation, Workflow

    DESCRIBE = Operation("elasticbeanstalk", "DescribeEnvironments", Access.READ)


    class Environments(Kind):
        name = "environment"
        reads = (DESCRIBE,)
        person_only = True
        by_hand = "terminate the environment"

        def list(self, aws, region, policy):
            found = aws.call("elasticbeanstalk", DESCRIBE.name, region, {}, policy=policy)
            return [
                Dependent(region, self.name, e["EnvironmentName"], e["EnvironmentArn"], True)
                for e in found.get("Environments", [])
                if e.get("Status") != "Terminated"
            ]


    WORKFLOW = Workflow(
        name="beanstalk",
        title="AWS Elastic Beanstalk",
        principal="elasticbeanstalk.amazonaws.com",
        role_name="AWSServiceRoleForElasticBeanstalk",
        service="elasticbeanstalk",
        kinds=(Environments(),),
        regions=("us-east-1",),
    )
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the installed package, as site-packages would."""
    root = tmp_path_factory.mktemp("site")
    (root / "slr_beanstalk").mkdir()
    (root / "slr_beanstalk" / "__init__.py").write_text(textwrap.dedent(PACKAGE))
    info = root / "slr_beanstalk-0.3.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slr-beanstalk\nVersion: 0.3.0\n")
    (info / "entry_points.txt").write_text(
        "[slr_lifecycle.workflows]\nbeanstalk = slr_beanstalk:WORKFLOW\n"
    )
    return root


def slr(site: Path, aws: LocalAWS, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "SLR_REJECT_WAIT_SECONDS": "0"}
    where = ["--endpoint-url", aws.endpoint_url, "--state-dir", str(state)]
    return subprocess.run(
        [sys.executable, "-m", "lifecycle.cli", "--workflow", "beanstalk", *where, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_the_workflow_is_listed_with_the_package_it_came_from(
    site: Path, aws: LocalAWS, tmp_path: Path
) -> None:
    done = slr(site, aws, tmp_path, "workflows")
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("beanstalk ")]
    assert "AWSServiceRoleForElasticBeanstalk" in line
    assert line.endswith("from slr-beanstalk 0.3.0")


def test_status_plan_and_apply_run_it_end_to_end(site: Path, aws: LocalAWS, tmp_path: Path) -> None:
    account = Account(aws.endpoint_url)
    status = slr(site, aws, tmp_path, "status")
    assert (status.returncode, "absent" in status.stdout) == (0, True), status.stderr
    plan = slr(site, aws, tmp_path, "plan", "--target", "created")
    assert plan.returncode == exits.CHANGES_PENDING, plan.stderr
    assert "iam:CreateServiceLinkedRole" in plan.stdout
    created = slr(site, aws, tmp_path, "apply", "--target", "created", "--yes")
    assert created.returncode == exits.OK, created.stderr
    account.wait_for_role("AWSServiceRoleForElasticBeanstalk")

    beanstalk = account.client("elasticbeanstalk")
    beanstalk.create_application(ApplicationName="shop")
    beanstalk.create_environment(ApplicationName="shop", EnvironmentName="shop-prod")
    held = slr(site, aws, tmp_path, "apply", "--target", "deleted", "--yes")
    assert held.returncode == exits.NEEDS_PERSON, held.stderr
    assert "us-east-1/shop-prod (environment): terminate the environment" in held.stderr
    assert account.role("AWSServiceRoleForElasticBeanstalk") is not None

    # moto has no TerminateEnvironment: deleting the application takes its environments.
    beanstalk.delete_application(ApplicationName="shop", TerminateEnvByForce=True)
    deleted = slr(site, aws, tmp_path, "apply", "--target", "deleted", "--yes")
    assert deleted.returncode == exits.OK, deleted.stderr
    account.wait_for_no_role("AWSServiceRoleForElasticBeanstalk")
