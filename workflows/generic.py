"""Any service's service-linked role, for a service no workflow knows: create it (with a
``CustomSuffix`` where the service takes one), watch it, delete it with the deletion poll.

What uses such a role is not known here: ``plan`` says so, and a decommission needs the
caller's word (``--accept-unknown-dependents``). When IAM's deletion task fails, its
``RoleUsageList`` is reported for a person, one resource a line (IAM: a service "might return
all of the resources, a few of them, or none", and the region it names can be wrong,
landing-zone-accelerator-on-aws#221), and the run ends "still in use". No drain, no restore.

``slr --workflow generic --service-name NAME``: NAME is the service principal
(``rds.amazonaws.com``) or the role's name (``AWSServiceRoleForRDS``).
"""

from __future__ import annotations

from collections.abc import Mapping

from lifecycle import RetryPolicy, UnknownName, Workflow

__all__ = ["KNOWN_NAMES", "WORKFLOW", "for_service"]

#: The name AWS gives each common service's role (each service's guide, "Using service-linked
#: roles for ..."); not derivable from the principal (``AWSServiceRoleForAmazonGuardDuty``).
KNOWN_NAMES: Mapping[str, str] = {
    "access-analyzer.amazonaws.com": "AWSServiceRoleForAccessAnalyzer",
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
    "cloudtrail.amazonaws.com": "AWSServiceRoleForCloudTrail",
    "config.amazonaws.com": "AWSServiceRoleForConfig",
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "elasticache.amazonaws.com": "AWSServiceRoleForElastiCache",
    "elasticbeanstalk.amazonaws.com": "AWSServiceRoleForElasticBeanstalk",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "guardduty.amazonaws.com": "AWSServiceRoleForAmazonGuardDuty",
    "inspector2.amazonaws.com": "AWSServiceRoleForAmazonInspector2",
    "macie.amazonaws.com": "AWSServiceRoleForAmazonMacie",
    "mediatailor.amazonaws.com": "AWSServiceRoleForMediaTailor",
    "organizations.amazonaws.com": "AWSServiceRoleForOrganizations",
    "rds.amazonaws.com": "AWSServiceRoleForRDS",
    "securityhub.amazonaws.com": "AWSServiceRoleForSecurityHub",
    "ssm.amazonaws.com": "AWSServiceRoleForAmazonSSM",
    "sso.amazonaws.com": "AWSServiceRoleForSSO",
    "support.amazonaws.com": "AWSServiceRoleForSupport",
    "trustedadvisor.amazonaws.com": "AWSServiceRoleForTrustedAdvisor",
}

#: Deletion-status polls, as patient as the built-in workflows' (about 4.4 minutes).
DELETION_POLL = RetryPolicy(1.0, 1.25, 33, max_delay_seconds=10.0, jitter="NONE")


def _principal_and_name(name: str, roles: Mapping[str, str], suffix: str | None) -> tuple[str, str]:
    if name.endswith(".amazonaws.com"):
        own = sorted(role for role, principal in roles.items() if principal == name)
        base = KNOWN_NAMES.get(name)
        if suffix:
            wanted = [role for role in own if role.endswith(f"_{suffix}")]
            if wanted:
                return name, wanted[0]
            if base:
                return name, f"{base}_{suffix}"
        elif base:
            return name, base
        else:
            plain = [role for role in own if "_" not in role.removeprefix("AWSServiceRoleFor")]
            if len(plain) == 1:
                return name, plain[0]
        raise UnknownName(
            f"--service-name {name}: the name AWS gives its role is not known here and the "
            "account has no such role; give the role's name once it exists"
        )
    principal = roles.get(name) or next((p for p, n in KNOWN_NAMES.items() if n == name), None)
    if principal is None:
        raise UnknownName(
            f"--service-name {name}: no such service-linked role in the account; give the "
            "service principal (NAME.amazonaws.com)"
        )
    return principal, name


def for_service(name: str, roles: Mapping[str, str], suffix: str | None = None) -> Workflow:
    """The workflow of one service's role: ``name`` a principal or a role name, ``roles`` the
    account's service-linked roles (name -> principal), ``suffix`` its ``CustomSuffix``."""
    principal, role_name = _principal_and_name(name, roles, suffix)
    return Workflow(
        name=WORKFLOW.name,
        title=f"{principal}'s service-linked role",
        principal=principal,
        role_name=role_name,
        service="iam",
        # No dependent is listed, in no region: IAM is global, and one region says where.
        regions=("us-east-1",),
        poll=DELETION_POLL,
        dependents_known=False,
        # A failed deletion names what a person must clear: no drain can change it, so
        # neither a second attempt nor a wait would.
        max_deletion_attempts=1,
        deletion_patience_seconds=0.0,
        reject_wait_seconds=0.0,
    )


#: The registered workflow: a template, made one service's by ``--service-name``.
WORKFLOW = Workflow(
    name="generic",
    title="Any service's service-linked role (--service-name)",
    principal="<service>.amazonaws.com",
    role_name="AWSServiceRoleFor<Service>",
    service="iam",
    regions=("us-east-1",),
    poll=DELETION_POLL,
    dependents_known=False,
    for_service=for_service,
)
