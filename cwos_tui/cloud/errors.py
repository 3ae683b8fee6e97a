"""One error hierarchy for control-plane (HTTP/gRPC envelope) and S3 failures.

Every failure the service layer raises is a `CloudError`; the UI maps the class to a toast, an
inline message or the re-authentication modal, and always shows `message`, which keeps the
server's own words.
"""

from __future__ import annotations


class CloudError(Exception):
    """Base of every failure raised by `cwos_tui.cloud`."""

    #: True when retrying the same call later may succeed.
    transient: bool = False
    #: True when the user must supply a new token or key to continue.
    needs_reauth: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        operation: str | None = None,
        details: list[object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.operation = operation
        self.details = details or []

    def __str__(self) -> str:
        return self.message


class Unauthenticated(CloudError):
    """Missing, invalid or expired API token (HTTP 401, gRPC 16)."""

    needs_reauth = True


class NoApiToken(Unauthenticated):
    """The profile has no API token, so control-plane calls cannot be made (no request was sent).

    Nothing can be fixed by re-trying the same call; the UI says so in one line instead of asking."""

    needs_reauth = False


class CredentialsExpired(Unauthenticated):
    """An access key or session expired (S3 `ExpiredToken`) or a token passed its expiry."""


class InvalidAccessKey(Unauthenticated):
    """S3 does not know the access key (revoked, suspended or expired: `InvalidAccessKeyId`)."""


class SignatureMismatch(Unauthenticated):
    """S3 rejected the signature: the secret key is wrong (`SignatureDoesNotMatch`)."""


class PermissionDenied(CloudError):
    """The caller is known but not allowed (HTTP 403, gRPC 7, S3 `AccessDenied`)."""


class NotFound(CloudError):
    """Unknown key, policy, bucket or object (HTTP 404, gRPC 5, S3 `NoSuch*`)."""


class AlreadyExists(CloudError):
    """The resource exists already (HTTP 409, gRPC 6, S3 `BucketAlreadyExists`)."""


class Conflict(CloudError):
    """The request conflicts with the resource's state (S3 `BucketNotEmpty`, precondition failures)."""


class InvalidArgument(CloudError):
    """The request is malformed or breaks a documented rule (HTTP 400, gRPC 3 and 9)."""


class RateLimited(CloudError):
    """Too many requests (HTTP 429, gRPC 8, S3 `SlowDown`)."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class Unavailable(CloudError):
    """The service is down or overloaded (HTTP 502/503/504, gRPC 14, S3 `ServiceUnavailable`)."""

    transient = True


class ServerError(CloudError):
    """The server failed (HTTP 500, gRPC 13, S3 `InternalError`)."""


class NetworkError(CloudError):
    """The server could not be reached or the connection broke (DNS, refused, reset, timeout)."""

    transient = True


class ProtocolError(CloudError):
    """The server answered with something this client cannot understand."""


# gRPC status code -> error class, as in the grpc-gateway HTTP mapping.
GRPC_CODE_ERRORS: dict[int, type[CloudError]] = {
    3: InvalidArgument,
    4: Unavailable,  # DEADLINE_EXCEEDED
    5: NotFound,
    6: AlreadyExists,
    7: PermissionDenied,
    8: RateLimited,
    9: InvalidArgument,
    13: ServerError,
    14: Unavailable,
    16: Unauthenticated,
}

# HTTP status -> error class, used when the body carries no gRPC code.
HTTP_STATUS_ERRORS: dict[int, type[CloudError]] = {
    400: InvalidArgument,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: AlreadyExists,
    429: RateLimited,
    500: ServerError,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}

# S3 error code -> error class.
S3_CODE_ERRORS: dict[str, type[CloudError]] = {
    "AccessDenied": PermissionDenied,
    "AllAccessDisabled": PermissionDenied,
    "InvalidAccessKeyId": InvalidAccessKey,
    "SignatureDoesNotMatch": SignatureMismatch,
    "ExpiredToken": CredentialsExpired,
    "TokenRefreshRequired": CredentialsExpired,
    "InvalidToken": Unauthenticated,
    "AuthorizationHeaderMalformed": InvalidArgument,
    "403": PermissionDenied,
    "NoSuchBucket": NotFound,
    "NoSuchKey": NotFound,
    "NoSuchUpload": NotFound,
    "NoSuchVersion": NotFound,
    "NoSuchBucketPolicy": NotFound,
    "NoSuchLifecycleConfiguration": NotFound,
    "NoSuchCORSConfiguration": NotFound,
    "NoSuchTagSet": NotFound,
    "NotFound": NotFound,
    "InvalidRegion": NotFound,
    "404": NotFound,
    "BucketAlreadyExists": AlreadyExists,
    "BucketAlreadyOwnedByYou": AlreadyExists,
    "BucketNotEmpty": Conflict,
    "PreconditionFailed": Conflict,
    "412": Conflict,
    "ConditionalRequestConflict": Conflict,
    "InvalidBucketName": InvalidArgument,
    "InvalidArgument": InvalidArgument,
    "InvalidRequest": InvalidArgument,
    "InvalidLocationConstraint": InvalidArgument,
    "IllegalLocationConstraintException": InvalidArgument,
    "MalformedPolicy": InvalidArgument,
    "MalformedXML": InvalidArgument,
    "EntityTooSmall": InvalidArgument,
    "InvalidRange": InvalidArgument,
    "SlowDown": RateLimited,
    "503": Unavailable,
    "ServiceUnavailable": Unavailable,
    "InternalError": ServerError,
}
