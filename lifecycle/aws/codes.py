"""What AWS's answers mean: wire error codes sorted into retryable, eventual and fatal, and
the one-line error a failed call becomes. Pure: by wire code, never by exception class."""

from __future__ import annotations

import botocore.exceptions

from lifecycle.errors import AwsError, ErrorKind

__all__ = [
    "CONNECTION_ATTEMPTS",
    "DENIED",
    "FATAL",
    "REGION_DISABLED",
    "THROTTLING",
    "TRANSIENT",
    "UNREACHABLE",
    "as_aws_error",
    "classify",
    "error_code",
    "is_connection_error",
    "throttled",
]

#: Throttling, in every spelling AWS services use.
THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
    }
)
#: Transient server-side failures and conflicts that clear by themselves.
TRANSIENT = frozenset(
    {
        "ServiceFailure",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ConcurrentModification",
        "ConcurrentModificationException",
        # DynamoDB: another transaction was writing the same item at that moment.
        "TransactionConflictException",
    }
)
#: Refusals that no retry will change: fail at once, one line.
FATAL = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "AuthFailure",
        "ValidationError",
        "ValidationException",
        "InvalidInput",
        "InvalidParameterValue",
        "BadRequestException",
        "MalformedPolicyDocument",
        "UnmodifiableEntity",
        "LimitExceeded",
        "NoSuchEntity",
        "NotFoundException",
        "OptInRequired",
    }
)
#: Access denied: a policy (a service control policy that denies regions, a condition on
#: ``aws:RequestedRegion``) refuses the call, which says nothing of the request itself.
DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
)
#: Answers that mean "this region is not enabled for the account" rather than "denied".
REGION_DISABLED = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "OptInRequired"}
)

#: Attempts at a connection that fails (DNS, refused, timed out): a region whose endpoint
#: cannot be reached is marked unreachable after a short bounded retry, not after minutes.
CONNECTION_ATTEMPTS = 2

#: Codes of the connection failures after which a region counts as unreachable.
UNREACHABLE = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError", "ReadTimeoutError"}
)

_CONNECTION_ERRORS = (
    botocore.exceptions.ConnectionError,
    # A connection dropped mid-request derives from HTTPClientError, not ConnectionError.
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectTimeoutError,
)


def error_code(error: BaseException) -> str | None:
    """The wire error code of a botocore ``ClientError``; ``None`` for anything else."""
    if isinstance(error, botocore.exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _status(error: BaseException) -> int:
    if isinstance(error, botocore.exceptions.ClientError):
        return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return 0


def is_connection_error(error: BaseException) -> bool:
    """The connection failed (DNS, refused, timed out, dropped): no answer from AWS."""
    return isinstance(error, _CONNECTION_ERRORS)


def throttled(error: BaseException) -> bool:
    """AWS asked us to slow down: a throttling code, or any HTTP 429 whatever its code."""
    return error_code(error) in THROTTLING or _status(error) == 429


def classify(error: BaseException, *, eventual_not_found: bool = False) -> ErrorKind:
    """Retryable, eventual-consistency, or fatal: by wire code, never by exception class."""
    if isinstance(error, _CONNECTION_ERRORS):
        return ErrorKind.RETRYABLE
    code = error_code(error)
    if code is None:
        return ErrorKind.FATAL
    if throttled(error) or code in TRANSIENT:
        return ErrorKind.RETRYABLE
    if eventual_not_found and code == "NoSuchEntity":
        return ErrorKind.EVENTUAL
    if code in FATAL:
        return ErrorKind.FATAL
    return ErrorKind.RETRYABLE if _status(error) >= 500 else ErrorKind.FATAL


def as_aws_error(
    service: str, operation: str, region: str, error: BaseException, attempts: int
) -> AwsError:
    if isinstance(error, botocore.exceptions.ClientError):
        info = error.response.get("Error", {})
        return AwsError(
            service,
            operation,
            region,
            str(info.get("Code", "Error")),
            str(info.get("Message", "")),
            attempts,
            kind=classify(error),
        )
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return AwsError(
            service,
            operation,
            region,
            "NoCredentials",
            "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID)",
            attempts,
        )
    name = type(error).__name__
    return AwsError(service, operation, region, name, str(error), attempts, kind=classify(error))
