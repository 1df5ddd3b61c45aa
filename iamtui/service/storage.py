"""The store as the service uses it: the same Store, whose errors come out as IamErrors.

The store raises its own plain exceptions (it knows nothing of IAM); this is the one place
they become the AWS-style errors the CLI and the TUI report, so every `self.store` call of
the service (open, snapshot, transaction and the puts inside one) is translated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from iamtui import errors
from iamtui.store import Snapshot, Store, Tx
from iamtui.store import errors as store_errors

# most specific first: the first class the store's error is an instance of wins
_TRANSLATIONS: tuple[tuple[type[store_errors.StoreError], type[errors.IamError]], ...] = (
    (store_errors.UniqueViolation, errors.EntityAlreadyExists),
    (store_errors.StoreConflict, errors.ConcurrentModification),
    (store_errors.StoreNotFound, errors.StoreNotFound),
    (store_errors.StorePermissions, errors.StorePermissions),
    (store_errors.StoreCorrupt, errors.StoreCorrupt),
    (store_errors.StoreVersion, errors.StoreVersion),
    (store_errors.StoreError, errors.StoreError),
)


def as_iam_error(exc: store_errors.StoreError) -> errors.IamError:
    """The IamError a store error is reported as, with the store's message."""
    for store_class, iam_class in _TRANSLATIONS:
        if isinstance(exc, store_class):
            return iam_class(str(exc))
    raise AssertionError(f"untranslated store error {exc!r}")  # StoreError is last


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Raise store errors from the block as IamErrors (also usable as a decorator)."""
    try:
        yield
    except store_errors.StoreError as exc:
        raise as_iam_error(exc) from exc


class ServiceStore(Store):
    """A Store whose every error is an IamError; `ServiceStore.open` opens one."""

    @classmethod
    def open(cls, *args: Any, **kwargs: Any) -> ServiceStore:
        """Store.open, its errors translated."""
        with translated():
            store = super().open(*args, **kwargs)
        assert isinstance(store, ServiceStore)
        return store

    def snapshot(self) -> Snapshot:
        """Store.snapshot, its errors translated."""
        with translated():
            return super().snapshot()

    @contextlib.contextmanager
    def transaction(self, *, expect_revision: int | None = None) -> Iterator[Tx]:
        """Store.transaction; errors of the block (a unique clash of a put) and of the
        commit (a store that moved on) come out translated."""
        with translated(), super().transaction(expect_revision=expect_revision) as tx:
            yield tx

    def compact(self) -> None:
        """Store.compact, its errors translated."""
        with translated():
            super().compact()
