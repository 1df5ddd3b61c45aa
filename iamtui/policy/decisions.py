"""The words a decision is told in: the decision, the layer that made it, and how a
resource-based statement's Principal named the caller.

StrEnums whose values are the strings AWS's EvaluationResults and our JSON carry
(`EvalDecision` is allowed, explicitDeny or implicitDeny: IAM API Reference,
EvaluationResult), so a member compares, hashes, prints and serializes as its value.
"""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    """AWS's `EvalDecision`."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class Layer(StrEnum):
    """Which policy type decided (the explanation and the tester name it)."""

    IDENTITY = "identity"
    BOUNDARY = "boundary"
    RESOURCE = "resource"
    SESSION = "session"  # the session policies passed to AssumeRole or GetFederationToken
    CROSS_ACCOUNT = "cross-account"  # both sides of a cross-account request allowed


class PrincipalMatch(StrEnum):
    """How a resource-based statement's Principal/NotPrincipal names the caller: the
    evaluation flow treats an account-wide grant differently from one naming the caller."""

    WILDCARD = "wildcard"
    DIRECT = "direct"
    ROLE = "role"  # names the role (or user) whose session calls
    ACCOUNT = "account"


__all__ = ["Decision", "Layer", "PrincipalMatch"]
