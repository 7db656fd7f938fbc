"""What AWS creates for each service principal: the role's name, its managed policy, and what
CreateServiceLinkedRole refuses.

moto alone names MediaTailor's role ``AWSServiceRoleFormediatailor`` and creates a role for any
principal, with any suffix. Here, as in AWS, a known service's role gets its documented name;
a ``CustomSuffix`` for a service that takes none is ``InvalidInput`` ("Custom suffix is not
allowed for <principal>", the message CloudFormation users quote for es.amazonaws.com), and so
is a principal that names no AWS service.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from botocore.loaders import create_loader
from moto.iam.exceptions import IAMException
from moto.iam.models import SERVICE_NAME_CONVERSION

__all__ = [
    "SERVICE_LINKED_ROLES",
    "InvalidInput",
    "ServiceLinkedRole",
    "check_principal",
    "principal_of",
    "service_linked_role_name",
]


@dataclass(frozen=True)
class ServiceLinkedRole:
    """What AWS creates for one service principal."""

    #: the role's name (AWS spells it per service; it is not derivable from the principal)
    role_name: str
    #: the AWS managed policy attached to it, by name
    managed_policy: str | None = None
    #: whether CreateServiceLinkedRole takes a CustomSuffix for it (most services take none)
    takes_custom_suffix: bool = False


#: Known service-linked roles by principal; other principals keep moto's naming.
SERVICE_LINKED_ROLES: dict[str, ServiceLinkedRole] = {
    "mediatailor.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForMediaTailor",
        managed_policy="AWSMediaTailorServiceRolePolicy",
    ),
    # moto's own naming matches; listed for the policy and the suffix, which Auto Scaling takes
    # (AWSServiceRoleForAutoScaling_<suffix>: "Service-linked roles for Amazon EC2 Auto Scaling").
    "autoscaling.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForAutoScaling",
        managed_policy="AutoScalingServiceRolePolicy",
        takes_custom_suffix=True,
    ),
    # moto alone: AWSServiceRoleForconfig. Config takes no CustomSuffix.
    "config.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForConfig",
        managed_policy="AWSConfigServiceRolePolicy",
    ),
    # moto alone: AWSServiceRoleForcloudtrail.
    "cloudtrail.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForCloudTrail",
        managed_policy="CloudTrailServiceRolePolicy",
    ),
    # The rest, each as its service's guide names it ("Using service-linked roles for ...",
    # docs.aws.amazon.com/<service>/.../using-service-linked-roles.html); moto alone
    # lower-cases the service (AWSServiceRoleForrds, AWSServiceRoleForguardduty).
    "organizations.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForOrganizations",
        managed_policy="AWSOrganizationsServiceTrustPolicy",
    ),
    "sso.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForSSO",
        managed_policy="AWSSSOServiceRolePolicy",
    ),
    "support.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForSupport",
        managed_policy="AWSSupportServiceRolePolicy",
    ),
    "trustedadvisor.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForTrustedAdvisor",
        managed_policy="AWSTrustedAdvisorServiceRolePolicy",
    ),
    "elasticloadbalancing.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForElasticLoadBalancing",
        managed_policy="AWSElasticLoadBalancingServiceRolePolicy",
    ),
    "rds.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForRDS",
        managed_policy="AmazonRDSServiceRolePolicy",
    ),
    "ecs.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForECS",
        managed_policy="AmazonECSServiceRolePolicy",
    ),
    "elasticbeanstalk.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForElasticBeanstalk",
        managed_policy="AWSElasticBeanstalkServiceRolePolicy",
    ),
    "guardduty.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForAmazonGuardDuty",
        managed_policy="AmazonGuardDutyServiceRolePolicy",
    ),
    "securityhub.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForSecurityHub",
        managed_policy="AWSSecurityHubServiceRolePolicy",
    ),
    "inspector2.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForAmazonInspector2",
        managed_policy="AmazonInspector2ServiceRolePolicy",
    ),
    "macie.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForAmazonMacie",
        managed_policy="AmazonMacieServiceRolePolicy",
    ),
    "access-analyzer.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForAccessAnalyzer",
        managed_policy="AccessAnalyzerServiceRolePolicy",
    ),
    "ssm.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForAmazonSSM",
        managed_policy="AmazonSSMServiceRolePolicy",
    ),
    "elasticache.amazonaws.com": ServiceLinkedRole(
        role_name="AWSServiceRoleForElastiCache",
        managed_policy="ElastiCacheServiceRolePolicy",
    ),
}


class InvalidInput(IAMException):
    code = "InvalidInput"


@cache
def _service_names() -> frozenset[str]:
    """The services botocore knows by endpoint prefix (``api.mediatailor`` -> ``mediatailor``)."""
    data = create_loader().load_data("endpoints")
    return frozenset(
        name.rsplit(".", 1)[-1]
        for partition in data["partitions"]
        for name in partition["services"]
    )


def check_principal(principal: str, suffix: str | None) -> None:
    """Refuse what IAM refuses: a principal of no AWS service, a suffix a service takes none of.

    A principal is taken for a service's when it is known here, or is
    ``[<prefix>.]<service>.amazonaws.com`` with a ``<service>`` botocore knows (a heuristic: IAM's
    own list is not published).
    """
    spec = SERVICE_LINKED_ROLES.get(principal)
    parts = principal.split(".")
    known = len(parts) >= 3 and parts[-2:] == ["amazonaws", "com"] and parts[-3] in _service_names()
    if spec is None and not known:
        raise InvalidInput(f"Invalid service principal: {principal}")
    if suffix and spec is not None and not spec.takes_custom_suffix:
        raise InvalidInput(f"Custom suffix is not allowed for {principal}")


def service_linked_role_name(principal: str, suffix: str | None = None) -> str:
    """The name AWS gives the principal's service-linked role (``_<suffix>`` appended)."""
    spec = SERVICE_LINKED_ROLES.get(principal)
    name = spec.role_name if spec else _default_role_name(principal)
    return f"{name}_{suffix}" if suffix else name


def principal_of(role_name: str) -> str | None:
    """The principal whose service-linked role ``role_name`` is, when known by name."""
    for principal, spec in SERVICE_LINKED_ROLES.items():
        if role_name == spec.role_name or role_name.startswith(f"{spec.role_name}_"):
            return principal
    return None


def _default_role_name(principal: str) -> str:
    """moto's naming for principals missing from SERVICE_LINKED_ROLES (kept unchanged)."""
    service = principal.split(".")[-3]
    prefix = principal.split(".")[0]
    if service != prefix:
        prefix = "".join(part.capitalize() for part in prefix.split("-"))
        return f"AWSServiceRoleFor{SERVICE_NAME_CONVERSION.get(service, service)}_{prefix}"
    return f"AWSServiceRoleFor{SERVICE_NAME_CONVERSION.get(service, service)}"
