"""Errors a request can end in. Each carries its HTTP status and a message for the user."""


class ApiError(Exception):
    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(ApiError):
    status = 400


class NotFound(ApiError):
    status = 404


class Invalid(ApiError):
    """Upstream's 406: the request is well formed but names something unusable."""

    status = 406


class Conflict(ApiError):
    status = 409


class TooLarge(ApiError):
    status = 413
