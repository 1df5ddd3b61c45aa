"""Errors named by AWS IAM's error codes, each with a message a person can act on.

This module imports nothing, so the pure policy engine may raise these too.
"""

from __future__ import annotations


class IamError(Exception):
    """Base of every error iamtui reports; `code` is AWS's error code."""

    code: str = "ServiceFailure"
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NoSuchEntity(IamError):
    code, http_status = "NoSuchEntity", 404


class EntityAlreadyExists(IamError):
    code, http_status = "EntityAlreadyExists", 409


class LimitExceeded(IamError):
    code, http_status = "LimitExceeded", 409


class DeleteConflict(IamError):
    code, http_status = "DeleteConflict", 409


class MalformedPolicyDocument(IamError):
    code, http_status = "MalformedPolicyDocument", 400


class InvalidInput(IamError):
    code, http_status = "InvalidInput", 400


class ValidationError(IamError):
    code, http_status = "ValidationError", 400


class PasswordPolicyViolation(IamError):
    code, http_status = "PasswordPolicyViolation", 400


class InvalidAuthenticationCode(IamError):
    code, http_status = "InvalidAuthenticationCode", 403


class EntityTemporarilyUnmodifiable(IamError):
    code, http_status = "EntityTemporarilyUnmodifiable", 409


class UnmodifiableEntity(IamError):
    code, http_status = "UnmodifiableEntity", 400


class AccessDenied(IamError):
    code, http_status = "AccessDenied", 403


class InvalidClientTokenId(IamError):
    code, http_status = "InvalidClientTokenId", 403


class SignInFailed(IamError):
    """Sign-in failure; one message for an unknown user and a wrong password."""

    code, http_status = "SignInFailed", 401


class PolicyEvaluation(IamError):
    code, http_status = "PolicyEvaluation", 500


class CredentialReportNotPresent(IamError):
    code, http_status = "ReportNotPresent", 410
