"""Serving the store over AWS's wire protocol (`iamtui serve`): the secrets it needs.

A SigV4 signature is an HMAC keyed by the secret access key, so the server must hold the
secret itself, which the digests kept for local sign-in cannot give back. A store therefore
keeps no recoverable secret until serving is enabled (`enable_serving`, done by the first
`iamtui serve`): from then on every access key and role session created seals its secret
with AES-256-GCM, its key ID as associated data, under a key file outside the store
(`<config>/keys/<store_id>.serve.key`), as MFA seeds are sealed. A key created before has no
sealed secret: it keeps working locally, and over HTTP is refused with a message to rotate it.
"""

from __future__ import annotations

from iamtui.errors import IamError, InvalidClientTokenId
from iamtui.security import access_keys as keys
from iamtui.security.mfa import MfaSeedUnreadable, SeedCipher
from iamtui.service import keyfiles
from iamtui.service.core import Principal, ServiceCore
from iamtui.service.tables import ACCESS_KEYS, ROLE_SESSIONS, SEALED_SECRETS, SealedSecret

SERVING_META = "serving"  # meta flag: secrets are sealed from this store's first serve on
INVALID_TOKEN = "The security token included in the request is invalid."


class SealedSecretUnreadable(IamError):
    """The serving key file does not open a sealed secret (another key, or altered data)."""

    code, http_status = "ServiceFailure", 500


def forget_secret(tx: object, access_key_id: str) -> None:
    """Inside a deleting transaction: drop the key's sealed secret with the key."""
    if SEALED_SECRETS.get(tx, access_key_id) is not None:
        SEALED_SECRETS.delete(tx, access_key_id)


class ServingOperations(ServiceCore):
    """Enabling `iamtui serve` on a store, and the secrets its signature checks need."""

    def serving_enabled(self) -> bool:
        """Whether this store seals new secrets for `iamtui serve`."""
        return bool(self.store.snapshot().meta.get(SERVING_META))

    def enable_serving(self, caller: Principal) -> bool:
        """Start sealing new secrets for `iamtui serve` (root only: it changes what the store
        keeps); creates the serving key file. True when serving was off until now."""
        if not caller.is_root:
            from iamtui.errors import AccessDenied

            raise AccessDenied("Only the account's root user can enable serving the store.")
        if self.serving_enabled():
            return False
        self._serving_cipher(create=True)
        with self.store.transaction() as tx:
            tx.meta[SERVING_META] = True
        return True

    def _serving_cipher(self, *, create: bool = False) -> SeedCipher:
        return keyfiles.serving_cipher(self.keys_dir, self.store.snapshot().meta["store_id"],
                                       create=create)

    def seal_secret(self, tx: object, access_key_id: str, secret: str) -> None:
        """Inside a creating transaction: keep `secret` sealed when the store serves."""
        if not tx.meta.get(SERVING_META):  # type: ignore[attr-defined]
            return
        sealed = self._serving_cipher().encrypt(secret, associated_data=access_key_id)
        SEALED_SECRETS.put(tx, SealedSecret(access_key_id, sealed))

    def signing_secret(self, access_key_id: str) -> str:
        """The secret access key a request signed with `access_key_id` must have used.

        InvalidClientTokenId for a key that does not exist (or a session that ended), and for
        a key created before serving was enabled, with the advice to rotate it.
        """
        view = self.store.snapshot()
        temporary = keys.is_temporary(access_key_id)
        known = (ROLE_SESSIONS.get(view, access_key_id) if temporary
                 else ACCESS_KEYS.get(view, access_key_id))
        if known is None:
            raise InvalidClientTokenId(INVALID_TOKEN)
        sealed = SEALED_SECRETS.get(view, access_key_id)
        if sealed is None:
            advice = ("assume the role again" if temporary else
                      "rotate it: create a new access key, use it, and delete this one")
            raise InvalidClientTokenId(
                f"The access key {access_key_id} was created before this store was served, "
                f"so no secret was kept to check signatures with; {advice}.")
        try:
            return self._serving_cipher().decrypt(sealed.ciphertext,
                                                  associated_data=access_key_id)
        except MfaSeedUnreadable:
            raise SealedSecretUnreadable(
                "The serving key file does not open this key's sealed secret (another key "
                "file, or altered data): restore the key file from a backup.") from None


__all__ = ["SERVING_META", "SealedSecretUnreadable", "ServingOperations", "forget_secret"]
