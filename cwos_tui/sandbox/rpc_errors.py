"""The grpc-gateway error envelope the CoreWeave API answers with (reference §7)."""

from __future__ import annotations

from starlette.responses import JSONResponse

# gRPC code -> HTTP status, as grpc-gateway maps them.
HTTP_FOR_CODE = {3: 400, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 13: 500, 14: 503, 16: 401}

INVALID_ARGUMENT = 3
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
FAILED_PRECONDITION = 9
INTERNAL = 13
UNAUTHENTICATED = 16


class RpcError(Exception):
    """Raised by handlers; rendered as `{"code", "message", "details"}` with the mapped status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"code": self.code, "message": self.message, "details": []},
            status_code=HTTP_FOR_CODE.get(self.code, 500),
        )


def invalid(message: str) -> RpcError:
    return RpcError(INVALID_ARGUMENT, message)


def not_found(message: str) -> RpcError:
    return RpcError(NOT_FOUND, message)


def denied(message: str = "permission denied") -> RpcError:
    return RpcError(PERMISSION_DENIED, message)


def unauthenticated(message: str) -> RpcError:
    return RpcError(UNAUTHENTICATED, message)
