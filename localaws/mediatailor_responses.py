"""MediaTailor's API for moto's server: requests parsed and routed by botocore's model,
authorized as AWS does, answered in rest-json form; and its registration with moto."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Mapping
from typing import Any

import moto.backend_index
from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores

from localaws import iam, settings
from localaws.mediatailor import (
    _RESOURCES,
    MAX_RESULTS,
    PRINCIPAL,
    SERVICE,
    URLS,
    BadRequestException,
    Channel,
    MediaTailorBackend,
    NotImplementedOperation,
    PlaybackConfiguration,
    UnknownOperationException,
    mediatailor_backends,
    role_usage,
)
from localaws.pages import InvalidPageRequest, page
from localaws.restjson import RestJsonAuthorization, RestJsonError

__all__ = ["MediaTailorResponse", "install"]


def _without(params: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in names and v is not None}


class MediaTailorResponse(RestJsonAuthorization):
    """Routes rest-json requests to MediaTailorBackend by botocore's model."""

    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)
        self.automated_parameter_parsing = True
        self._operation: str | None = None
        self._operation_known = False

    def _get_action(self) -> str:
        # moto resolves the action several times per request; route once.
        if not self._operation_known:
            self._operation = self._get_action_from_method_and_request_uri(self.normalized_request)
            self._operation_known = True
        return self._operation  # type: ignore[return-value]  # None for unknown routes

    @property
    def backend(self) -> MediaTailorBackend:
        account = mediatailor_backends[self.current_account]
        if self.region not in account:
            raise BadRequestException(f"MediaTailor is not available in {self.region}.")
        return account[self.region]

    def call_action(self) -> TYPE_RESPONSE:
        operation = self._get_action()
        try:
            if not operation:
                raise UnknownOperationException(
                    f"No MediaTailor operation for {self.method} {self.path}."
                )
            if camelcase_to_underscores(operation) not in vars(MediaTailorResponse):
                raise NotImplementedOperation(
                    f"localaws does not implement MediaTailor {operation}."
                )
            with iam.world_lock:
                # Deletion tasks due before this call must see the usage before it.
                iam.advance_deletion_tasks(self.current_account, self.partition)
                return super().call_action()
        except RestJsonError as error:
            return error.response()

    def _determine_resource(self) -> str:
        """The ARN AWS authorizes the request against (``*`` for the List operations)."""
        kind, parameter = _RESOURCES.get(self._get_action() or "", ("", ""))
        name = self._get_param(parameter) if kind else None
        if not name:
            return "*"
        account = self.current_account
        return f"arn:{self.partition}:mediatailor:{self.region}:{account}:{kind}/{name}"

    def _tags(self) -> dict[str, str]:
        return dict(self._get_param("Tags") or {})

    def put_playback_configuration(self) -> ActionResult:
        settings = _without(self.params, "Name", "Tags")
        configuration = self.backend.put_playback_configuration(
            self._get_param("Name"), settings, self._tags()
        )
        return ActionResult(configuration.describe())

    def get_playback_configuration(self) -> ActionResult:
        configuration = self.backend.get_playback_configuration(self._get_param("Name"))
        return ActionResult(configuration.describe())

    def list_playback_configurations(self) -> ActionResult:
        listed = self._listed(self.backend.playback_configurations)
        if settings.current().list_omits_log_configuration:
            for item in listed["Items"]:
                item.pop("LogConfiguration", None)
        return ActionResult(listed)

    def delete_playback_configuration(self) -> ActionResult:
        self.backend.delete_playback_configuration(self._get_param("Name"))
        return EmptyResult()

    def configure_logs_for_playback_configuration(self) -> ActionResult:
        name = self._get_param("PlaybackConfigurationName")
        configuration = self.backend.configure_logs_for_playback_configuration(
            name,
            int(self._get_param("PercentEnabled")),
            _without(self.params, "PlaybackConfigurationName", "PercentEnabled"),
        )
        return ActionResult({**configuration.log_configuration, "PlaybackConfigurationName": name})

    def create_channel(self) -> ActionResult:
        settings = _without(self.params, "ChannelName", "Tags")
        channel = self.backend.create_channel(
            self._get_param("ChannelName"), settings, self._tags()
        )
        return ActionResult(channel.describe())

    def describe_channel(self) -> ActionResult:
        return ActionResult(
            self.backend.describe_channel(self._get_param("ChannelName")).describe()
        )

    def list_channels(self) -> ActionResult:
        return ActionResult(self._listed(self.backend.channels))

    def _listed(self, items: Mapping[str, PlaybackConfiguration | Channel]) -> dict[str, Any]:
        """One page of ``items`` as the List operations answer it (short with ``short_pages``)."""
        listing = f"{self._get_action()}/{self.current_account}/{self.region}"
        try:
            chosen, token = page(
                items,
                self._get_param("MaxResults"),
                self._get_param("NextToken"),
                most=MAX_RESULTS,
                short=settings.current().short_pages,
                listing=listing,
            )
        except InvalidPageRequest as error:
            raise BadRequestException(str(error)) from None
        result: dict[str, Any] = {"Items": [item.describe() for item in chosen]}
        if token:
            result["NextToken"] = token
        return result

    def delete_channel(self) -> ActionResult:
        self.backend.delete_channel(self._get_param("ChannelName"))
        return EmptyResult()

    def configure_logs_for_channel(self) -> ActionResult:
        name = self._get_param("ChannelName")
        channel = self.backend.configure_logs_for_channel(
            name, list(self._get_param("LogTypes") or [])
        )
        return ActionResult({"ChannelName": name, "LogTypes": list(channel.log_types)})


def install() -> None:
    """Register MediaTailor with moto: its backend module and its URL pattern (idempotent)."""
    # moto's server imports ``moto.<service>`` and reads ``<service>_backends`` from it.
    module = types.ModuleType(f"moto.{SERVICE}")
    module.mediatailor_backends = mediatailor_backends  # type: ignore[attr-defined]
    sys.modules.setdefault(f"moto.{SERVICE}", module)
    # Every path goes to the response class, which routes by botocore's model (so an
    # unimplemented operation gets a clear error).
    URLS.url_paths["{0}/.*$"] = MediaTailorResponse.dispatch
    patterns = moto.backend_index.backend_url_patterns
    if not any(name == SERVICE for name, _ in patterns):
        # First, so that no broader pattern of another service shadows it.
        patterns.insert(0, (SERVICE, re.compile(URLS.url_bases[0])))
    iam.register_role_user(PRINCIPAL, role_usage)
