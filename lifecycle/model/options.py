"""What a plan is made with beyond its target (the activation, the role's description) and
where a run works (its account, partition and IAM home region)."""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.errors import InvalidOption
from lifecycle.model.workflow import Activation

__all__ = ["DESCRIBED", "PlanOptions", "Where", "partition_of"]


#: The writes that carry a role's description: creating the role, converging it.
DESCRIBED = (("iam", "CreateServiceLinkedRole"), ("iam", "UpdateRole"))


@dataclass(frozen=True)
class PlanOptions:
    """What a plan is made with, beyond its target: what to activate, the role's description.

    A description AWS would refuse is refused here, before anything is sent."""

    activation: Activation | None = None
    #: A description to create the role with (or converge an adopted role to).
    description: str | None = None
    custom_suffix: str | None = None
    #: The caller accepts to decommission a role whose dependents the workflow cannot know
    #: (:attr:`~lifecycle.model.workflow.Workflow.dependents_known` false).
    accept_unknown_dependents: bool = False

    def __post_init__(self) -> None:
        if self.description is None:
            return
        from lifecycle.model.parameters import refusal

        for service, operation in DESCRIBED:
            why = refusal(service, operation, "Description", self.description)
            if why is not None:
                raise InvalidOption(f"--description: {why}")


@dataclass(frozen=True)
class Where:
    """The account a run works in, and its IAM endpoint's region (IAM is global)."""

    account: str
    home: str = "us-east-1"

    @property
    def partition(self) -> str:
        """``aws``, ``aws-cn`` or ``aws-us-gov``: ARNs are never written ``arn:aws:`` by hand."""
        return partition_of(self.home)


def partition_of(region: str) -> str:
    """The partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
