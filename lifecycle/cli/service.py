"""A workflow of any service's role (``generic``) made one service's by ``--service-name``:
from the name alone when it says enough, else from the account's service-linked roles (one
listing, with the runner's own credentials)."""

from __future__ import annotations

from functools import cache

from lifecycle.errors import Failure, LifecycleError, UnknownName
from lifecycle.model.outcome import Outcome
from lifecycle.model.workflow import Workflow

__all__ = ["of_service"]


@cache
def of_service(
    workflow: str,
    name: str,
    suffix: str | None,
    *,
    profile: str | None,
    endpoint_url: str | None,
    assume_role: str | None,
    external_id: str | None,
) -> Workflow:
    """The workflow of ``name``'s role (a principal or a role name; ``suffix``: its
    ``CustomSuffix``), made by ``workflow``'s ``for_service``."""
    from lifecycle import registry

    make = registry.get(workflow).for_service
    if make is None:
        raise Failure(f"--service-name: workflow {workflow!r} is one service's", Outcome.USAGE)
    try:
        return make(name, {}, suffix)
    except UnknownName:
        pass  # the account's roles may say
    from lifecycle.aws.sessions import make_session
    from lifecycle.engine.config import RunnerConfig
    from lifecycle.engine.inventory import inventory_gateway, read_service_roles

    config = RunnerConfig(profile=profile, endpoint_url=endpoint_url)
    try:
        session = make_session(
            profile=profile,
            region=None,
            assume_role_arn=assume_role,
            external_id=external_id,
            endpoint_url=endpoint_url,
        )
        roles = read_service_roles(
            inventory_gateway(session, config), session.region_name or "us-east-1"
        )
        return make(name, {r.name: r.principal for r in roles}, suffix)
    except LifecycleError as error:
        raise Failure(str(error), error.outcome or Outcome.ERROR) from None
