"""Which regions an account has without asking: AWS's rule, applied to botocore's list.

The commercial regions launched before 2019-03-20 are enabled in every account; every other
region of the ``aws`` partition is *opt-in*: disabled until someone enables it, and every call
there then fails as if the credentials were unknown (AWS Account Management Reference Guide).
The local AWS applies the same rule (:mod:`localaws.regions`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["ENABLED_BY_DEFAULT", "commercial_regions", "is_opt_in", "opt_in_regions"]

#: The commercial regions every account has (all launched before 2019-03-20).
ENABLED_BY_DEFAULT = frozenset(
    {
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
        "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
        "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    }
)  # fmt: skip


@cache
def aws_partition() -> dict[str, Any]:
    """botocore's endpoint data of the ``aws`` partition."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    partition: dict[str, Any] = next(p for p in partitions if p["partition"] == "aws")
    return partition


@cache
def commercial_regions() -> tuple[str, ...]:
    """Every region of the ``aws`` partition, as botocore lists them."""
    return tuple(sorted(aws_partition()["regions"]))


@cache
def opt_in_regions() -> frozenset[str]:
    return frozenset(commercial_regions()) - ENABLED_BY_DEFAULT


def is_opt_in(region: str) -> bool:
    return region in opt_in_regions()
