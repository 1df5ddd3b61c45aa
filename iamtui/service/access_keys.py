"""Access keys: create (the secret shown once), update, delete, list, last use, and
authenticating a caller by its key pair.

AWS pages followed (IAM API Reference): CreateAccessKey, UpdateAccessKey,
DeleteAccessKey, ListAccessKeys, GetAccessKeyLastUsed and the AccessKeyLastUsed data
type; IAM User Guide, "Manage access keys for IAM users" and "IAM and AWS STS quotas"
(two access keys per user). Without a user name these operations act on the calling
user's keys, and for the root user on the root user's own keys, as AWS does.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from iamtui.arn import DEFAULT_QUOTAS, root_arn, validate_user_name
from iamtui.errors import (
    IamError,
    InvalidClientTokenId,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamtui.model import AccessKey, KeyStatus, iso_z
from iamtui.security.access_keys import (
    ACCESS_KEY_ID_RE,
    SECRET_ACCESS_KEY_RE,
    is_temporary,
    new_access_key_id,
    new_secret_access_key,
    secret_digest,
    verify_secret,
)
from iamtui.service.core import Change, Principal, View, nominal_arn
from iamtui.service.owners import OWNERS
from iamtui.service.serving import ServingOperations, forget_secret
from iamtui.service.tables import ACCESS_KEYS, USERS
from iamtui.store import Tx

ROOT_KEY_OWNER = "<root>"
"""The `user_name` the root user's own access keys are stored under (no IAM user name
can contain '<', so it never collides with a user)."""

LAST_USED_SERVICE = "iam"
LAST_USED_REGION = "us-east-1"  # IAM is global; AWS reports its calls under us-east-1
# A key used again within this long keeps its recorded last use: commands in a tight loop
# then cost no store write each, and the date is still exact to the minute.
LAST_USED_RESOLUTION = timedelta(seconds=60)

INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid."
SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you "
                     "provided. Check your Secret Access Key and signing method.")
_STATUSES: tuple[KeyStatus, ...] = ("Active", "Inactive")
_ACCESS_KEY_ID_PATTERN = "[\\w]+"
_ACCESS_KEY_ID_RE = re.compile(r"\w+", re.ASCII)
# Checked against when the key ID is unknown, so that a miss costs what a hit costs.
_DUMMY_DIGEST = secret_digest("0" * 40)


class SignatureDoesNotMatch(IamError):
    """A known, active access key presented with the wrong secret (AWS's error code for a
    request signed with the wrong secret access key)."""

    code, http_status = "SignatureDoesNotMatch", 403


@dataclass(frozen=True)
class NewAccessKey:
    """CreateAccessKey's result: the stored key and its secret, which is never shown again."""

    key: AccessKey
    secret_access_key: str = field(repr=False)


def key_not_found(access_key_id: str, resource: str | None = None) -> NoSuchEntity:
    """AWS's NoSuchEntity for an access key ID that is not there (or not the user's)."""
    return NoSuchEntity(f"The Access Key with id {access_key_id} cannot be found.",
                        resource=resource)


def validate_access_key_id(access_key_id: str, field_name: str = "accessKeyId") -> str:
    """An AccessKeyId parameter: 16-128 word characters (IAM API Reference); ValidationError."""
    shown = f"Value '{access_key_id}' at '{field_name}' failed to satisfy constraint: "
    failures = []
    if len(access_key_id) < 16:
        failures.append(shown + "Member must have length greater than or equal to 16")
    if len(access_key_id) > 128:
        failures.append(shown + "Member must have length less than or equal to 128")
    if _ACCESS_KEY_ID_RE.fullmatch(access_key_id) is None:
        failures.append(shown + "Member must satisfy regular expression pattern: "
                        + _ACCESS_KEY_ID_PATTERN)
    if failures:
        noun = "validation error" if len(failures) == 1 else "validation errors"
        raise ValidationError(f"{len(failures)} {noun} detected: " + "; ".join(failures))
    return access_key_id


def validate_status(status: str) -> KeyStatus:
    """UpdateAccessKey's Status: Active or Inactive; ValidationError otherwise."""
    for known in _STATUSES:
        if status == known:
            return known
    raise ValidationError(f"1 validation error detected: Value '{status}' at 'status' failed "
                          "to satisfy constraint: Member must satisfy enum value set: "
                          "[Active, Inactive]")


def credential_owner(view: View, caller: Principal, user_name: str | None) -> tuple[str, str]:
    """Whose credential a request names: the stored owner name and the ARN to authorize on.
    Without UserName, the caller's own (the root user's own for root), as AWS does for
    access keys, signing certificates and service-specific credentials."""
    if user_name is None:
        if caller.kind == "root":
            return ROOT_KEY_OWNER, caller.arn
        if caller.kind != "user":
            raise ValidationError("Must specify userName when calling with non-User "
                                  "credentials")
        user_name = caller.name
    user = OWNERS["user"].get(view, user_name)
    return user.user_name, user.arn


def _audit_key(key: AccessKey) -> dict[str, Any]:
    # CloudTrail's accessKey response element: everything but the secret.
    return {"accessKey": {"accessKeyId": key.access_key_id, "status": key.status,
                          "userName": key.user_name, "createDate": iso_z(key.create_date)}}


class AccessKeyOperations(ServingOperations):
    """The access-key half of `aws iam`, and authentication by access key."""

    # ------------------------------------------------------------------ whose keys

    def _key_owner(self, view: View, caller: Principal, user_name: str | None) -> tuple[str, str]:
        """The stored owner name and the ARN to authorize on, for UserName or its absence."""
        return credential_owner(view, caller, user_name)

    def _key_user_arn(self, view: View, access_key_id: str) -> str:
        """The ARN of the user (or root) owning a key: what GetAccessKeyLastUsed is
        authorized on. A missing key has no owner to name: then any user of the account."""
        key = ACCESS_KEYS.get(view, access_key_id)
        if key is not None and key.user_name == ROOT_KEY_OWNER:
            return root_arn(view.meta["account"]["account_id"])
        user = USERS.find_one(view, "name", key.user_name) if key is not None else None
        if user is None:
            raise key_not_found(access_key_id, nominal_arn(view, "user", "*"))
        return user.arn

    def _owned_key(self, view: View, owner: str, access_key_id: str) -> AccessKey:
        key = ACCESS_KEYS.get(view, access_key_id)
        if key is None or key.user_name.casefold() != owner.casefold():
            raise key_not_found(access_key_id)
        return key

    @contextlib.contextmanager
    def _change_with_secret(self, caller: Principal, event: str, resource: str,
                            params: Mapping[str, Any], secret: str) -> Iterator[Change]:
        """`_change`, with `secret` cut out of whatever the audit event would carry."""
        def authorize(tx: Tx) -> None:
            self._authorize(tx, caller, f"iam:{event}", resource)

        with self._audited(caller, event, params, authorize=authorize,
                           secrets_used=(secret,)) as change:
            yield change

    # ------------------------------------------------------------------ operations

    def create_access_key(self, caller: Principal, user_name: str | None = None) -> NewAccessKey:
        """CreateAccessKey: an Active AKIA key and its 40-character secret, returned only here.

        Without `user_name`, the key is the caller's own (the root user's own when root
        calls). At most two keys per user (LimitExceeded). Only a digest of the secret
        is stored, and the secret never reaches the audit log.
        """
        if user_name is not None:
            validate_user_name(user_name)
        params = {"userName": user_name}
        owner, arn = self._subject(caller, "CreateAccessKey", params, self._key_owner, caller,
                                   user_name, read_only=False)
        secret = new_secret_access_key()
        with self._change_with_secret(caller, "CreateAccessKey", arn, params, secret) as change:
            tx = change.tx
            owner, _ = self._key_owner(tx, caller, user_name)
            limit = DEFAULT_QUOTAS.access_keys_per_user
            if len(ACCESS_KEYS.find_by(tx, "user", owner)) >= limit:
                raise LimitExceeded(f"Cannot exceed quota for AccessKeysPerUser: {limit}")
            key_id = new_access_key_id()
            while ACCESS_KEYS.get(tx, key_id) is not None:  # 80 random bits; never in practice
                key_id = new_access_key_id()
            key = AccessKey(key_id, owner, self.clock(), secret_digest(secret))
            ACCESS_KEYS.put(tx, key)
            self.seal_secret(tx, key_id, secret)
            change.response = _audit_key(key)
        return NewAccessKey(key, secret)

    def update_access_key(self, caller: Principal, access_key_id: str, status: str,
                          user_name: str | None = None) -> AccessKey:
        """UpdateAccessKey: make a key Active or Inactive (an inactive key cannot sign in)."""
        validate_access_key_id(access_key_id)
        new_status = validate_status(status)
        if user_name is not None:
            validate_user_name(user_name)
        params = {"userName": user_name, "accessKeyId": access_key_id, "status": status}
        _, arn = self._subject(caller, "UpdateAccessKey", params, self._key_owner, caller,
                               user_name, read_only=False)
        with self._change(caller, "UpdateAccessKey", arn, params) as change:
            owner, _ = self._key_owner(change.tx, caller, user_name)
            key = replace(self._owned_key(change.tx, owner, access_key_id), status=new_status)
            ACCESS_KEYS.put(change.tx, key)
        return key

    def delete_access_key(self, caller: Principal, access_key_id: str,
                          user_name: str | None = None) -> None:
        """DeleteAccessKey: the key stops working at once."""
        validate_access_key_id(access_key_id)
        if user_name is not None:
            validate_user_name(user_name)
        params = {"userName": user_name, "accessKeyId": access_key_id}
        _, arn = self._subject(caller, "DeleteAccessKey", params, self._key_owner, caller,
                               user_name, read_only=False)
        with self._change(caller, "DeleteAccessKey", arn, params) as change:
            owner, _ = self._key_owner(change.tx, caller, user_name)
            self._owned_key(change.tx, owner, access_key_id)
            ACCESS_KEYS.delete(change.tx, access_key_id)
            forget_secret(change.tx, access_key_id)

    def list_access_keys(self, caller: Principal, user_name: str | None = None
                         ) -> list[AccessKey]:
        """ListAccessKeys: a user's keys (the caller's own without `user_name`), oldest first."""
        if user_name is not None:
            validate_user_name(user_name)
        params = {"userName": user_name}
        owner, arn = self._subject(caller, "ListAccessKeys", params, self._key_owner, caller,
                                   user_name)
        view = self._read(caller, "ListAccessKeys", arn, params=params)
        owner, _ = self._key_owner(view, caller, user_name)
        keys = ACCESS_KEYS.find_by(view, "user", owner)
        return sorted(keys, key=lambda k: (k.create_date, k.access_key_id))

    def get_access_key_last_used(self, caller: Principal, access_key_id: str) -> AccessKey:
        """GetAccessKeyLastUsed: the key with its last use (date, service, region)."""
        validate_access_key_id(access_key_id)
        params = {"accessKeyId": access_key_id}
        arn = self._subject(caller, "GetAccessKeyLastUsed", params, self._key_user_arn,
                            access_key_id)
        view = self._read(caller, "GetAccessKeyLastUsed", arn, params=params)
        found = ACCESS_KEYS.get(view, access_key_id)
        if found is None:
            raise key_not_found(access_key_id)
        return found

    # ------------------------------------------------------------------ authentication

    def _check_still_valid(self, view: View, caller: Principal) -> None:
        """A user acting with a long-term key stops when the key is deleted or deactivated,
        also in a process that authenticated it earlier."""
        super()._check_still_valid(view, caller)
        key_id = caller.access_key_id
        if caller.kind == "user" and key_id is not None and not is_temporary(key_id):
            key = ACCESS_KEYS.get(view, key_id)
            if key is None or key.status != "Active" or \
                    key.user_name.casefold() != caller.name.casefold():
                raise InvalidClientTokenId(INVALID_TOKEN_MESSAGE)

    def authenticate_access_key(self, access_key_id: str, secret: str) -> Principal:
        """The principal an access key pair stands for, and its last use recorded.

        The secret is checked in constant time, and an unknown key ID costs the same
        check. An unknown or inactive key, or one whose user is gone, raises
        InvalidClientTokenId; a wrong secret raises SignatureDoesNotMatch (both as AWS
        answers a request signed with such credentials).
        """
        view = self.store.snapshot()
        key = (ACCESS_KEYS.get(view, access_key_id)
               if ACCESS_KEY_ID_RE.fullmatch(access_key_id) and not is_temporary(access_key_id)
               else None)
        secret_ok = verify_secret(key.secret_digest if key else _DUMMY_DIGEST, secret)
        if key is None or key.status != "Active":
            raise InvalidClientTokenId(INVALID_TOKEN_MESSAGE)
        if key.user_name == ROOT_KEY_OWNER:
            principal = replace(self.root_principal(), access_key_id=key.access_key_id)
        else:
            user = USERS.find_one(view, "name", key.user_name)
            if user is None:
                raise InvalidClientTokenId(INVALID_TOKEN_MESSAGE)
            principal = Principal.for_user(user, self.account_id,
                                           access_key_id=key.access_key_id)
        if not secret_ok:
            error = SignatureDoesNotMatch(SIGNATURE_MESSAGE)
            # The record never holds the guess; it is named for redaction only when shaped
            # like a secret, since audit cuts it out of every string, field names included.
            self._record(principal, "AuthenticateAccessKey", {"accessKeyId": access_key_id},
                         error=error, secrets_used=(secret,)
                         if SECRET_ACCESS_KEY_RE.fullmatch(secret) else ())
            raise error
        self._record_key_use(key)
        return principal

    def _record_key_use(self, key: AccessKey) -> None:
        """Store the key's last use in one small transaction (skipped within a minute)."""
        now = self.clock()
        last = key.last_used_date
        if last is not None and timedelta(0) <= now - last < LAST_USED_RESOLUTION:
            return
        with self.store.transaction() as tx:
            current = ACCESS_KEYS.get(tx, key.access_key_id)
            if current is not None:
                ACCESS_KEYS.put(tx, replace(current, last_used_date=now,
                                            last_used_service=LAST_USED_SERVICE,
                                            last_used_region=LAST_USED_REGION))
