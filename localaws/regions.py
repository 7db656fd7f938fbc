"""Opt-in regions and the Account API that enables them, per account.

moto 5.2.5's Account API has alternate contacts only, and moto serves every region to every
account. Here, as in AWS, the regions launched after 2019-03-20 are *opt-in*: each account
starts with them ``DISABLED`` (among them five of MediaTailor's: af-south-1, ap-south-2,
ap-southeast-4, ap-southeast-5, me-central-1), and every signed call to a regional service
there is refused as AWS refuses it (:mod:`localaws.app`): ``UnrecognizedClientException`` 403
"The security token included in the request is invalid" for json and rest-json services,
``InvalidClientTokenId`` 403 for the others (nccgroup/ScoutSuite#1389 shows it for me-south-1).
The Account API's ``ListRegions`` (paginated, ``RegionOptStatusContains``),
``GetRegionOptStatus``, ``EnableRegion`` and ``DisableRegion`` are added next to moto's own
operations (moto's files untouched); an enabled region then serves like any other.

A change takes time, as AWS's takes minutes to hours (``region_change_seconds``): the region
reads ``ENABLING`` or ``DISABLING`` meanwhile, and the opposite change is refused with
``ConflictException`` until it completes (AWS: "you cannot disable the Region until the
enabling process is fully completed", and the other way round). While ``ENABLING``, calls
there are refused as in a disabled region (AWS: "You cannot use the Region until this process
is complete"); while ``DISABLING`` too, since the act of disabling removes all IAM access to
the region's resources at once, and only AWS's clean-up takes its time. Global services (IAM,
Organizations, the Account API) are not refused: AWS serves them from us-east-1. With
``opt_in_regions_disabled`` off, opt-in regions nobody disabled read ``ENABLED``.

Under moto's IAM enforcement the operations are authorized as the other plug-ins' are
(:mod:`localaws.authorization`): ``account:ListRegions``... on ``*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import moto.account.urls
from moto.account.models import AccountBackend, account_backends
from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import ActionResult, EmptyResult

from lifecycle.aws.regions import (
    ENABLED_BY_DEFAULT,
    aws_partition,
    commercial_regions,
    opt_in_regions,
)
from localaws import clock, settings
from localaws.pages import InvalidPageRequest, page
from localaws.restjson import RestJsonAuthorization, RestJsonError

__all__ = [
    "ENABLED_BY_DEFAULT",
    "OptInAccountBackend",
    "RegionsResponse",
    "install",
    "opt_in_regions",
    "refuses",
]

STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT")
#: The statuses in which a region serves calls.
SERVING = frozenset({"ENABLED", "ENABLED_BY_DEFAULT"})
#: ListRegions' MaxResults limit and default (botocore's model: 1..50).
MAX_RESULTS = 50
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@cache
def _global_services() -> frozenset[str]:
    services = aws_partition()["services"]
    return frozenset(name for name, spec in services.items() if spec.get("isRegionalized") is False)


class ValidationException(RestJsonError):
    code = "ValidationException"
    status = 400


class ConflictException(RestJsonError):
    code = "ConflictException"
    status = 409


@dataclass(frozen=True)
class _Change:
    """An EnableRegion or DisableRegion: the status it leads to, and when that holds."""

    #: ``ENABLED`` or ``DISABLED``
    to: str
    #: monotonic time from which the region reads ``to``
    done_at: float

    def status(self, now: float) -> str:
        if now >= self.done_at:
            return self.to
        return "ENABLING" if self.to == "ENABLED" else "DISABLING"


class OptInAccountBackend(AccountBackend):
    """moto's Account backend (one per account and partition) with the regions' opt-in state."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        #: the last change of each region a call changed; the others read their start status
        self.changes: dict[str, _Change] = {}

    @property
    def _url_module(self) -> Any:
        return moto.account.urls

    def status(self, region: str) -> str:
        if region not in opt_in_regions():
            return "ENABLED_BY_DEFAULT"
        change = self.changes.get(region)
        if change is not None:
            return change.status(clock.now())
        return "DISABLED" if settings.current().opt_in_regions_disabled else "ENABLED"

    def set_status(self, region: str, status: str) -> None:
        """Start the change to ``status`` (``ENABLED`` or ``DISABLED``); it holds after
        ``region_change_seconds``. A change to the status already reached or under way
        changes nothing."""
        if region not in commercial_regions():
            raise ValidationException(f"{region} is not a valid Region name.")
        if region not in opt_in_regions():
            raise ValidationException(
                f"{region} is enabled by default; it cannot be enabled or disabled."
            )
        current = self.status(region)
        under_way = "ENABLING" if status == "ENABLED" else "DISABLING"
        if current in ("ENABLING", "DISABLING") and current != under_way:
            raise ConflictException(
                f"{region} is {current.lower()}; it cannot be {status.lower()} until that "
                "completes."
            )
        if current in (status, under_way):
            return
        done_at = clock.now() + settings.current().region_change_seconds
        self.changes[region] = _Change(status, done_at)


def _backend(account_id: str) -> OptInAccountBackend:
    backend = account_backends[account_id]["aws"]
    assert isinstance(backend, OptInAccountBackend), "localaws.regions not installed"
    return backend


def refuses(account_id: str, region: str, service: str) -> bool:
    """Whether AWS refuses a signed call to ``service`` in ``region`` for this account."""
    if region not in opt_in_regions() or service in _global_services():
        return False
    # dict.get: BackendDict's own lookup would create an account as a side effect.
    partitions = dict.get(account_backends, account_id)
    backend = dict.get(partitions, "aws") if partitions is not None else None
    if isinstance(backend, OptInAccountBackend):
        return backend.status(region) not in SERVING
    return settings.current().opt_in_regions_disabled


class RegionsResponse(RestJsonAuthorization):
    """The Account API's region operations (rest-json, ``POST /listRegions``...)."""

    def __init__(self) -> None:
        super().__init__(service_name="account")
        self.automated_parameter_parsing = True

    def _get_action(self) -> str:
        return str(self._get_action_from_method_and_request_uri(self.normalized_request))

    def call_action(self) -> TYPE_RESPONSE:
        try:
            return super().call_action()
        except RestJsonError as error:
            return error.response()

    def _account(self) -> OptInAccountBackend:
        account_id = self._get_param("AccountId") or self.current_account
        if not _ACCOUNT_ID.match(str(account_id)):
            raise ValidationException(f"AccountId must be 12 digits; got {account_id}.")
        return _backend(str(account_id))

    def _region(self) -> str:
        region = str(self._get_param("RegionName") or "")
        if region not in commercial_regions():
            raise ValidationException(f"{region} is not a valid Region name.")
        return region

    def list_regions(self) -> ActionResult:
        backend = self._account()
        wanted = list(self._get_param("RegionOptStatusContains") or STATUSES)
        unknown = sorted(set(wanted) - set(STATUSES))
        if unknown:
            raise ValidationException(f"Unknown RegionOptStatus: {', '.join(unknown)}.")
        statuses = {r: backend.status(r) for r in commercial_regions()}
        regions = {
            name: {"RegionName": name, "RegionOptStatus": status}
            for name, status in statuses.items()
            if status in wanted
        }
        try:
            chosen, token = page(
                regions,
                self._get_param("MaxResults"),
                self._get_param("NextToken"),
                most=MAX_RESULTS,
            )
        except InvalidPageRequest as error:
            raise ValidationException(str(error)) from None
        result: dict[str, Any] = {"Regions": chosen}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    def get_region_opt_status(self) -> ActionResult:
        region = self._region()
        status = self._account().status(region)
        return ActionResult({"RegionName": region, "RegionOptStatus": status})

    def enable_region(self) -> EmptyResult:
        self._account().set_status(self._region(), "ENABLED")
        return EmptyResult()

    def disable_region(self) -> EmptyResult:
        self._account().set_status(self._region(), "DISABLED")
        return EmptyResult()


def install() -> None:
    """Add the region operations to moto's Account API (idempotent)."""
    account_backends.backend = OptInAccountBackend
    for partitions in account_backends.values():
        partitions.backend = OptInAccountBackend
    for operation in ("listRegions", "getRegionOptStatus", "enableRegion", "disableRegion"):
        moto.account.urls.url_paths[f"{{0}}/{operation}$"] = RegionsResponse.dispatch
