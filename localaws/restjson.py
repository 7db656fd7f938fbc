"""What the JSON plug-ins share (rest-json: MediaTailor, the Account API's regions; the JSON
protocol: Config, CloudTrail): errors in JSON form, and moto's refusals under IAM enforcement
turned into that form.

moto's refusals are query-protocol XML (``AccessDenied``...) whatever the service's protocol,
which boto3 cannot read as a JSON service's error. Here, as in AWS, such a service answers
``AccessDeniedException`` (403), ``UnrecognizedClientException`` for an unknown key and
``InvalidSignatureException``, with the code in ``x-amzn-ErrorType`` and ``__type``.
"""

from __future__ import annotations

import json
import uuid

from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import BaseResponse
from werkzeug.exceptions import HTTPException

from localaws.authorization import AuthorizedRequest

__all__ = [
    "AccessDeniedException",
    "InvalidSignatureException",
    "JsonAuthorization",
    "RestJsonAuthorization",
    "RestJsonError",
    "UnrecognizedClientException",
]


class RestJsonError(Exception):
    """An error a rest-json service answers with (``code``, ``status``, ``message``)."""

    code = "BadRequestException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> TYPE_RESPONSE:
        body = json.dumps({"__type": self.code, "Message": self.message, "message": self.message})
        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": self.code,
            "x-amzn-RequestId": str(uuid.uuid4()),
        }
        return self.status, headers, body


class AccessDeniedException(RestJsonError):
    code = "AccessDeniedException"
    status = 403


class UnrecognizedClientException(RestJsonError):
    code = "UnrecognizedClientException"
    status = 403


class InvalidSignatureException(RestJsonError):
    code = "InvalidSignatureException"
    status = 403


#: moto's (query-protocol) refusals -> a rest-json service's.
_REFUSALS: dict[str, type[RestJsonError]] = {
    "AccessDenied": AccessDeniedException,
    "InvalidClientTokenId": UnrecognizedClientException,
    "SignatureDoesNotMatch": InvalidSignatureException,
}


class RestJsonAuthorization(BaseResponse):
    """A response class whose requests are authorized as AWS does it
    (:mod:`localaws.authorization`) and refused in rest-json form."""

    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        try:
            self._authenticate_and_authorize_action(AuthorizedRequest, resource)
        except HTTPException as refused:
            code = str(getattr(refused, "error_type", ""))
            error = _REFUSALS.get(code, AccessDeniedException)
            raise error(str(getattr(refused, "message", refused.description))) from None


class JsonAuthorization(RestJsonAuthorization):
    """For a JSON-protocol service's responses, first in their bases: its requests authorized
    as AWS does, against the resource ``_determine_resource`` names, and refused in JSON."""

    def call_action(self) -> TYPE_RESPONSE:
        try:
            return super().call_action()
        except RestJsonError as error:
            return error.response()
