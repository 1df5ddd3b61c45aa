"""Errors named by AWS IAM's error codes, each with a message a person can act on.

This module imports nothing, so the pure policy engine may raise these too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an annotation only: this module imports nothing at run time
    from datetime import datetime


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

    def __init__(self, message: str, *, resource: str | None = None) -> None:
        super().__init__(message)
        # The ARN a request on the missing entity is authorized on (ServiceCore._subject):
        # a caller not allowed the request must learn AccessDenied, never this error.
        self.resource = resource


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


class ValidationException(IamError):
    """IAM Access Analyzer's error for a request it cannot take (ValidatePolicy)."""

    code, http_status = "ValidationException", 400


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
    # iamtui's own denials carry the decision sealed (sts:DecodeAuthorizationMessage)
    encoded_message: str | None = None


class InvalidClientTokenId(IamError):
    code, http_status = "InvalidClientTokenId", 403


class AccountLocked(IamError):
    """Locked after too many failed attempts: what ChangePassword tells a caller who has
    already proven who they are. Sign-in never raises it (a locked account gets the generic
    SignInFailed there, see iamtui.service.signin)."""

    code, http_status = "AccountLocked", 403

    def __init__(self, message: str, locked_until: datetime) -> None:
        super().__init__(message)
        self.locked_until = locked_until


class PasswordExpired(IamError):
    """The password expired under HardExpiry: an administrator must reset it."""

    code, http_status = "PasswordExpired", 403


class SignInFailed(IamError):
    """Sign-in failure; one message for an unknown user and a wrong password."""

    code, http_status = "SignInFailed", 401


class PolicyEvaluation(IamError):
    code, http_status = "PolicyEvaluation", 500


class CredentialReportNotPresent(IamError):
    code, http_status = "ReportNotPresent", 410


# The store's failures as the service reports them (iamtui.service.storage translates the
# store's own exceptions into these, so the store knows nothing of IAM).


class StoreError(IamError):
    """The store cannot be used; the message names the file and what to do."""

    code, http_status = "StoreError", 500


class StoreNotFound(StoreError):
    code, http_status = "StoreNotFound", 404


class StorePermissions(StoreError):
    code, http_status = "StorePermissions", 403


class StoreCorrupt(StoreError):
    code, http_status = "StoreCorrupt", 500


class StoreVersion(StoreError):
    code, http_status = "StoreVersion", 500


class ConcurrentModification(StoreError):
    """The store changed since the revision a change was based on (AWS's code, HTTP 409)."""

    code, http_status = "ConcurrentModification", 409
