"""AWS CloudTrail's organization trails on moto's CloudTrail backend (subclassed at run time),
as strict as CloudTrail about who makes them and where, and reported as users of
``AWSServiceRoleForCloudTrail``.

moto alone takes ``IsOrganizationTrail=true`` from any account and creates no role, changes a
trail from its home region only (``TrailNotFoundException`` elsewhere; ``DeleteTrail`` quietly
does nothing), deletes an unknown trail without a word and replaces a trail created twice.
Here, as CloudTrail does (CloudTrail User Guide, "Creating a trail for an organization" and
"Organization delegated administrator"; the errors are botocore's model's):

- an organization trail is created or updated (``IsOrganizationTrail=true``) from the
  organization's management account, which gets the role then when it has none, or from a
  delegated administrator for ``cloudtrail.amazonaws.com`` (Organizations'
  ``RegisterDelegatedAdministrator``): the management account owns that trail (its ARN names
  the management account) and must have the role already
  (``NoManagementAccountSLRExistsException``; registering through Organizations creates none);
- another account of the organization gets ``NotOrganizationMasterAccountException``, an
  account in no organization ``OrganizationsNotInUseException``, an organization without all
  features ``OrganizationNotInAllFeaturesModeException``, one without trusted access for
  CloudTrail ``CloudTrailAccessNotEnabledException``;
- a trail is changed (``UpdateTrail``, ``DeleteTrail``, ``StartLogging``, ``StopLogging``, the
  selectors) in its home region only: elsewhere ``InvalidHomeRegionException`` (named by ARN,
  or by the name of a multi-region trail, whose shadow shows there); an unknown trail is
  ``TrailNotFoundException``, a name taken ``TrailAlreadyExistsException``, another account's
  ARN ``CloudTrailARNInvalidException``; ``GetTrail`` sees shadow trails;
- an organization trail uses the role: a deletion task fails naming it (:func:`role_usage`),
  and still for ``usage_lag_seconds`` after it was deleted or stopped being an organization
  trail (:func:`localaws.iam.role_user_stopped`).

Seeding: :func:`management_account`, :func:`organization_trail`, :func:`trails`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypedDict

import moto.cloudtrail.urls
from botocore.exceptions import ClientError
from moto.cloudtrail.exceptions import TrailNameTooShort, TrailNotFoundException
from moto.cloudtrail.models import CloudTrailBackend, Trail, cloudtrail_backends
from moto.utilities.utils import get_partition

from localaws import iam
from localaws.cloudtrail_organizations import (
    PRINCIPAL,
    CloudTrailError,
    administers_for,
    organization_trail_owner,
)

if TYPE_CHECKING:
    from localaws.seed import Account

__all__ = [
    "PRINCIPAL",
    "OrganizationTrailBackend",
    "TrailSummary",
    "management_account",
    "organization_trail",
    "role_usage",
    "trails",
]


class InvalidHomeRegionException(CloudTrailError):
    pass


class TrailAlreadyExistsException(CloudTrailError):
    pass


class CloudTrailARNInvalidException(CloudTrailError):
    pass


_ARN = re.compile(
    r"arn:[\w-]+:cloudtrail:(?P<region>[\w-]+):(?P<account>\d{12}):trail/(?P<name>.+)"
)


class OrganizationTrailBackend(CloudTrailBackend):
    """moto's CloudTrail in one account and region, with CloudTrail's organization trails and
    home regions."""

    @property
    def _url_module(self) -> Any:
        # moto derives the URL module from the class's module, which is ours.
        return moto.cloudtrail.urls

    @property
    def _partition(self) -> str:
        return get_partition(self.region_name)

    def _find(self, name_or_arn: str) -> tuple[CloudTrailBackend, Trail] | None:
        """The trail a request names, wherever its home region: by name among this region's
        trails and the multi-region trails shown here; by ARN among the account's, and the
        management account's organization trails for a delegated administrator."""
        if len(name_or_arn) < 3:
            raise TrailNameTooShort(actual_length=len(name_or_arn))
        arn = _ARN.fullmatch(name_or_arn)
        if arn is None:
            if name_or_arn in self.trails:
                return self, self.trails[name_or_arn]
            for backend in dict.values(cloudtrail_backends[self.account_id]):
                trail = backend.trails.get(name_or_arn)
                if trail is not None and trail.is_multi_region:
                    return backend, trail
            return None
        owner = arn["account"]
        if owner != self.account_id and not administers_for(self.account_id, owner):
            raise CloudTrailARNInvalidException(
                "AccountID in ARN is wrong, you can only access resources with AccountID "
                f"{self.account_id}."
            )
        home = dict.get(dict.get(cloudtrail_backends, owner) or {}, arn["region"])
        trail = home.trails.get(arn["name"]) if home is not None else None
        if home is None or trail is None or (owner != self.account_id and not trail.is_org_trail):
            return None
        return home, trail

    def _home_trail(self, name_or_arn: str) -> tuple[CloudTrailBackend, Trail]:
        """The trail a change names, which must be called in its home region."""
        found = self._find(name_or_arn)
        if found is None:
            raise TrailNotFoundException(account_id=self.account_id, name=name_or_arn)
        if found[1].region_name != self.region_name:
            raise InvalidHomeRegionException(
                f"The trail {name_or_arn} can only be changed in its home region, "
                f"{found[1].region_name}; this request was sent to {self.region_name}."
            )
        return found

    def get_trail(self, name_or_arn: str) -> Trail:
        found = self._find(name_or_arn)
        if found is None:
            raise TrailNotFoundException(account_id=self.account_id, name=name_or_arn)
        return found[1]

    def create_trail(
        self,
        name: str,
        bucket_name: str,
        s3_key_prefix: str,
        sns_topic_name: str,
        is_global: bool,
        is_multi_region: bool,
        log_validation: bool,
        is_org_trail: bool,
        cw_log_group_arn: str,
        cw_role_arn: str,
        kms_key_id: str,
        tags_list: list[dict[str, str]],
    ) -> Trail:
        owner = self.account_id
        if is_org_trail:
            owner = organization_trail_owner(self.account_id, self._partition)
        home = cloudtrail_backends[owner][self.region_name]
        if any(trail.trail_name == name for trail in home.describe_trails(True)):
            raise TrailAlreadyExistsException(f"Trail {name} already exists for customer: {owner}")
        # moto checks the bucket (and topic) in the trail's account: the caller's.
        trail = Trail(
            self.account_id,
            self.region_name,
            name,
            bucket_name,
            s3_key_prefix,
            sns_topic_name,
            is_global,
            is_multi_region,
            log_validation,
            is_org_trail,
            cw_log_group_arn,
            cw_role_arn,
            kms_key_id,
        )
        trail.account_id = owner  # a delegated administrator's is the management account's
        if is_org_trail and owner == self.account_id:
            iam.ensure_service_linked_role(owner, PRINCIPAL, self._partition)
        home.trails[name] = trail
        home.tagging_service.tag_resource(trail.arn, tags_list)
        return trail

    def update_trail(
        self,
        name: str,
        s3_bucket_name: str,
        s3_key_prefix: str,
        sns_topic_name: str,
        include_global_service_events: bool,
        is_multi_region_trail: bool,
        enable_log_file_validation: bool,
        is_organization_trail: bool,
        cw_log_group_arn: str,
        cw_role_arn: str,
        kms_key_id: str,
    ) -> Trail:
        _, trail = self._home_trail(name)
        was_organization_trail = trail.is_org_trail
        if is_organization_trail and not was_organization_trail:
            owner = organization_trail_owner(self.account_id, self._partition)
            if owner == self.account_id:
                iam.ensure_service_linked_role(owner, PRINCIPAL, self._partition)
        trail.update(
            s3_bucket_name=s3_bucket_name,
            s3_key_prefix=s3_key_prefix,
            sns_topic_name=sns_topic_name,
            include_global_service_events=include_global_service_events,
            is_multi_region_trail=is_multi_region_trail,
            enable_log_file_validation=enable_log_file_validation,
            is_organization_trail=is_organization_trail,
            cw_log_group_arn=cw_log_group_arn,
            cw_role_arn=cw_role_arn,
            kms_key_id=kms_key_id,
        )
        if was_organization_trail and not trail.is_org_trail:
            iam.role_user_stopped(trail.account_id, PRINCIPAL, trail.region_name, trail.arn)
        return trail

    def delete_trail(self, name: str) -> None:
        backend, trail = self._home_trail(name)
        del backend.trails[trail.trail_name]
        if trail.is_org_trail:
            iam.role_user_stopped(trail.account_id, PRINCIPAL, trail.region_name, trail.arn)

    def start_logging(self, name: str) -> None:
        self._home_trail(name)[1].start_logging()

    def stop_logging(self, name: str) -> None:
        self._home_trail(name)[1].stop_logging()

    def put_event_selectors(
        self,
        trail_name: str,
        event_selectors: list[dict[str, Any]],
        advanced_event_selectors: list[dict[str, Any]],
    ) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        trail = self._home_trail(trail_name)[1]
        trail.put_event_selectors(event_selectors, advanced_event_selectors)
        return trail.arn, event_selectors, advanced_event_selectors

    def put_insight_selectors(
        self, trail_name: str, insight_selectors: list[dict[str, str]]
    ) -> tuple[str, list[dict[str, str]]]:
        trail = self._home_trail(trail_name)[1]
        trail.put_insight_selectors(insight_selectors)
        return trail.arn, insight_selectors


def role_usage(account_id: str) -> dict[str, list[str]]:
    """{home region: [trail ARN, ...]} of the account's organization trails."""
    account = dict.get(cloudtrail_backends, account_id)
    if account is None:
        return {}
    usage: dict[str, list[str]] = {}
    for region, backend in sorted(dict.items(account)):
        arns = [trail.arn for trail in backend.trails.values() if trail.is_org_trail]
        if arns:
            usage[region] = arns
    return usage


# -- seeding a local AWS ------------------------------------------------------------------------


class TrailSummary(TypedDict):
    """What :func:`trails` tells of a trail."""

    IsOrganizationTrail: bool
    HomeRegion: str


def management_account(account: Account, *, trusted_access: bool = True) -> str:
    """Make ``account`` the management account of a new organization (all features) with
    trusted access for CloudTrail, as organization trails need; returns the account's id."""
    organizations = account.client("organizations")
    created = organizations.create_organization(FeatureSet="ALL")["Organization"]
    if trusted_access:
        organizations.enable_aws_service_access(ServicePrincipal=PRINCIPAL)
    return str(created["MasterAccountId"])


def organization_trail(
    account: Account,
    region: str,
    name: str,
    *,
    organization: bool = True,
    multi_region: bool = True,
) -> str:
    """Create an S3 bucket and a trail logging to it in ``region`` (its home region); returns
    the trail's ARN. An organization trail needs ``account`` to be a management account
    (:func:`management_account`) or a delegated administrator."""
    account_id = account.client("sts").get_caller_identity()["Account"]
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    bucket = f"cloudtrail-{account_id}-{region}-{slug}"[:63].strip("-")
    where = {} if region == "us-east-1" else {"LocationConstraint": region}
    try:
        account.client("s3", region).create_bucket(
            Bucket=bucket, **({"CreateBucketConfiguration": where} if where else {})
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise
    created = account.client("cloudtrail", region).create_trail(
        Name=name,
        S3BucketName=bucket,
        IsMultiRegionTrail=multi_region,
        IsOrganizationTrail=organization,
    )
    return str(created["TrailARN"])


def trails(account: Account, region: str) -> dict[str, TrailSummary]:
    """name -> whether it is an organization trail, and its home region, of every trail
    ``DescribeTrails`` shows in ``region`` (multi-region trails of other regions included)."""
    listed = account.client("cloudtrail", region).describe_trails(includeShadowTrails=True)
    return {
        trail["Name"]: {
            "IsOrganizationTrail": bool(trail.get("IsOrganizationTrail")),
            "HomeRegion": str(trail["HomeRegion"]),
        }
        for trail in listed["trailList"]
    }
