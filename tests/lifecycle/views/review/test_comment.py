"""A plan as a pull-request comment: what a reviewer must see, within a comment's size."""

from __future__ import annotations

import re

from lifecycle.views import diagrams
from lifecycle.views.review.comment import COMMENT_LIMIT, code, plan_comment
from tests.lifecycle.views.review.conftest import DEMO, PlanOf, configuration
from workflows.mediatailor import WORKFLOW


def comment(document: dict[str, object], **kwargs: int) -> str:
    return plan_comment(WORKFLOW, [document], **kwargs)


def row_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("|") and name in line)


def test_summary_names_account_role_states_and_number_of_writes(plan_of: PlanOf) -> None:
    text = comment(plan_of())
    assert (
        "account `123456789012` · role `AWSServiceRoleForMediaTailor` · "
        "**in-use → deleted** · 4 writes" in text
    )
    assert "regions skipped: none" in text


def test_summary_lists_skipped_regions_with_their_reason(plan_of: PlanOf) -> None:
    skipped = {"me-central-1": "not enabled for this account", "af-south-1": "unreachable"}
    text = comment(plan_of(skipped_regions=skipped))
    assert (
        "regions skipped: `af-south-1` (unreachable), `me-central-1` (not enabled for this "
        "account)" in text
    )
    assert "regions skipped: none" in comment(plan_of(skipped_regions={}))


def test_diagram_is_render_mermaid_with_the_planned_path_marked(plan_of: PlanOf) -> None:
    text = comment(plan_of())
    highlight = diagrams.Highlight("in-use", ("drain", "verify", "delete"))
    mermaid = diagrams.to_mermaid(diagrams.extract(WORKFLOW, highlight))
    assert f"```mermaid\n{mermaid}```" in text
    assert "note right of DELETED: planned path drain then verify then delete" in text


def test_each_step_lists_its_exact_writes_and_counts_its_reads(plan_of: PlanOf) -> None:
    text = comment(plan_of())
    assert "#### 1. drain: in-use → draining\n\n3 writes, 0 reads" in text
    assert "#### 2. verify: draining → deletable\n\n0 writes, 43 reads" in text
    assert (
        "| `us-east-1` | `mediatailor:ConfigureLogsForPlaybackConfiguration` | "
        "`EnabledLoggingStrategies=VENDED_LOGS PercentEnabled=0 "
        "PlaybackConfigurationName=live-news` |" in text
    )
    assert (
        "| `us-east-1` | `iam:DeleteServiceLinkedRole` | `RoleName=AWSServiceRoleForMediaTailor` |"
        in text
    )
    assert "ListPlaybackConfigurations" not in text.split("### IAM permissions")[0]


def test_dependents_show_current_and_planned_settings_and_what_a_drain_also_stops(
    plan_of: PlanOf,
) -> None:
    text = comment(plan_of())
    section = text.split("### Dependents this plan changes")[1].split("###")[0]
    assert row_of(section, "live-news") == (
        "| `us-east-1` | playback-configuration | `live-news` | "
        "`EnabledLoggingStrategies=VENDED_LOGS PercentEnabled=100` | "
        "`EnabledLoggingStrategies=VENDED_LOGS PercentEnabled=0` | "
        "a drain also stops its vended log delivery |"
    )
    assert row_of(section, "linear-24x7").endswith("| `LogTypes=AS_RUN` | `LogTypes=-` | - |")
    assert "ad-test" not in section  # already off: the plan does not change it


def test_a_legacy_cloudwatch_configuration_has_no_vended_logs_note(plan_of: PlanOf) -> None:
    text = comment(plan_of([configuration("us-east-1", "old", 50, "LEGACY_CLOUDWATCH")]))
    assert row_of(text.split("### Dependents")[1], "`old`").endswith(" | - |")


def test_permissions_are_those_of_the_plans_transitions_and_observation(
    plan_of: PlanOf,
) -> None:
    text = comment(plan_of())
    section = text.split("### IAM permissions this plan needs")[1].split("### Fingerprints")[0]
    for action in (
        "iam:DeleteServiceLinkedRole",
        "mediatailor:ConfigureLogsForChannel",
        "mediatailor:ListPlaybackConfigurations",
        "iam:GetRole",
    ):
        assert f"`{action}`" in section
    for action in ("iam:CreateServiceLinkedRole", "iam:UpdateRole"):
        assert action not in section  # create is not in this plan


def test_fingerprints_apply_checks_are_listed(plan_of: PlanOf) -> None:
    text = comment(plan_of())
    assert f"| definition | `{'d' * 16}` |" in text
    assert f"| observed | `{'o' * 16}` |" in text


def test_a_plan_with_nothing_to_do_says_so(plan_of: PlanOf) -> None:
    document = plan_of() | {"steps": [], "start_state": "deleted", "final_state": "deleted"}
    text = comment(document)
    assert "Nothing to do: the role is already deleted." in text
    assert "```mermaid" not in text


def test_each_account_has_its_own_section(plan_of: PlanOf) -> None:
    text = plan_comment(
        WORKFLOW, [plan_of(account="111111111111"), plan_of(account="222222222222")]
    )
    assert text.count("## Account ") == 2
    assert text.index("## Account `111111111111`") < text.index("## Account `222222222222`")


def test_thousands_of_writes_are_cut_to_fit_a_comment_with_a_count(plan_of: PlanOf) -> None:
    many = [
        configuration(f"us-east-{i % 2 + 1}", f"config-{i:05}", 100, "VENDED_LOGS")
        for i in range(5000)
    ]
    assert len(comment(plan_of(many), limit=10**9)) > COMMENT_LIMIT  # so it has to cut
    text = comment(plan_of(many))
    assert len(text) <= COMMENT_LIMIT
    writes = text.split("#### 1. drain")[1].split("####")[0]
    shown = len(re.findall(r"^\| `us-east-\d` \| `mediatailor:", writes, flags=re.M))
    left = re.search(r"_\.\.\. and ([\d,]+) more writes, not shown", writes)
    assert left is not None
    assert shown > 0
    assert shown + int(left.group(1).replace(",", "")) == 5000
    dependents = text.split("### Dependents this plan changes")[1].split("###")[0]
    assert re.search(r"_\.\.\. and [\d,]+ more dependents, not shown", dependents)
    assert "```mermaid" in text
    assert "### Fingerprints" in text


def test_names_from_aws_cannot_break_the_table_or_inject_html() -> None:
    assert code("a|b") == "`a\\|b`"
    assert code("x`y") == "``x`y``"
    assert code("`edge`") == "`` `edge` ``"
    assert code("") == "-"
    assert code("<img src=x onerror=alert(1)>") == "`<img src=x onerror=alert(1)>`"


def test_an_evil_dependent_name_stays_inside_its_cell(plan_of: PlanOf) -> None:
    evil = configuration("us-east-1", "a|b`<script>", 100, "VENDED_LOGS")
    text = comment(plan_of([evil, *DEMO[:1]]))
    row = row_of(text.split("### Dependents")[1], "script")
    unescaped = re.findall(r"(?<!\\)\|", row)
    assert len(unescaped) == 7  # six cells
    assert "``a\\|b`<script>``" in row
