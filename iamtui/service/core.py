"""IamService's core: opening a store, who is calling, authorizing, auditing.

Every operation follows one flow, so that the CLI, the TUI and the tester agree on every
decision and every change is audited: validate the input, authorize the caller
for the IAM action on the target ARN with the same engine the permission tester
uses (the root user bypasses policies), change the store in one transaction that also
carries the operation's audit event, and append that event to the log after the commit
(see trail.py); a denied or failed operation commits its event alone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from iamtui import audit
from iamtui.arn import root_arn, validate_account_alias, validate_account_id, validate_unicode
from iamtui.errors import (
    AccessDenied,
    EntityAlreadyExists,
    IamError,
    InvalidClientTokenId,
    NoSuchEntity,
    StoreNotFound,
)
from iamtui.local_paths import expand_home
from iamtui.model import Account, Tag, User
from iamtui.policy import (
    Caller,
    ContextEntry,
    Decision,
    EvalRequest,
    EvalResult,
    Layer,
    PolicyInput,
    PolicySourceType,
    PolicyType,
    RequestContext,
    compile_policy,
    evaluate,
    simulation,
)
from iamtui.security import Clock, utc_now
from iamtui.security.passwords import check_password, hash_password
from iamtui.service import authz_messages, keyfiles, principals, trail
from iamtui.service.credential_tables import SERVER_CERTIFICATES
from iamtui.service.storage import ServiceStore
from iamtui.service.tables import (
    INSTANCE_PROFILES,
    MFA_DEVICES,
    POLICIES,
    RESOURCE_POLICIES,
    ROLE_SESSIONS,
    ROLES,
    SAML_PROVIDERS,
    SCHEMA,
    USERS,
    RoleSession,
)
from iamtui.service.trail import AuditLogWriteFailed, AuditTrail, StoreDataLost
from iamtui.store import Snapshot, Store, Tx, resolve_db_path

View = Snapshot | Tx
E = TypeVar("E")


def nominal_arn(view: View, resource_type: str, name: str) -> str:
    """The ARN a request naming a missing IAM entity is authorized on. The entity's path is
    unknown; no AWS page says which ARN AWS checks then, so this is the one the name alone
    gives, with path "/" (IAM User Guide, "IAM identifiers": arn:aws:iam::ACCOUNT:role/NAME).
    Condition keys read from the entity (aws:ResourceTag/*) are then absent."""
    return f"arn:aws:iam::{view.meta['account']['account_id']}:{resource_type}/{name}"


def config_dir() -> Path:
    """Where keys and the credentials file live: $IAMTUI_CONFIG_DIR or the user config folder."""
    override = os.environ.get("IAMTUI_CONFIG_DIR")
    if override:
        return expand_home(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("iamtui"))


def _keys_folder(keys_dir: Path | None) -> Path:
    return keys_dir or config_dir() / "keys"


@dataclass(frozen=True)
class RequestInfo:
    """Where a request over HTTP came from (`iamtui serve`): CloudTrail's sourceIPAddress,
    userAgent and requestID, and the engine's aws:SourceIp and aws:SecureTransport."""

    source_ip: str
    user_agent: str
    request_id: str
    secure_transport: bool


@dataclass
class ServedCall:
    """The request `iamtui serve` answers in this thread: its RequestInfo, which the records
    of a call with no signed caller (AssumeRoleWithWebIdentity, AssumeRoleWithSAML) take
    too, and whether the operation audited the call (else the server records it)."""

    request: RequestInfo
    audited: bool = False


SERVED_CALL: ContextVar[ServedCall | None] = ContextVar("served_call", default=None)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account's root user, an IAM user, a role session or a federated
    user. Temporary credentials (an ASIA key with `session_issued_at`) may also be a user's
    or root's own, from GetSessionToken."""

    kind: Literal["root", "user", "assumed-role", "federated-user"]
    account_id: str
    arn: str
    name: str  # the user name, the role name, or "root" (a federated user: its user's name)
    principal_id: str  # the user ID, "ROLEID:session", "ACCOUNT:name", or the account ID
    access_key_id: str | None = None
    session_name: str | None = None
    # When MFA was last proven in this session; None: not proven. Long-term access
    # keys carry no MFA information at all (aws:MultiFactorAuthPresent is absent).
    mfa_authenticated_at: datetime | None = None
    console: bool = False
    session_issued_at: datetime | None = None
    request: RequestInfo | None = None  # set for a request over HTTP (iamtui serve)

    @property
    def is_root(self) -> bool:
        return self.kind == "root"

    @property
    def is_temporary(self) -> bool:
        """Calling with temporary credentials from STS (an ASIA access key)."""
        return self.session_issued_at is not None and bool(self.access_key_id)

    @classmethod
    def root(cls, account_id: str, *, mfa_at: datetime | None = None,
             console: bool = False) -> Principal:
        return cls("root", account_id, root_arn(account_id), "root", account_id,
                   mfa_authenticated_at=mfa_at, console=console)

    @classmethod
    def for_user(cls, user: User, account_id: str, *, access_key_id: str | None = None,
                 mfa_at: datetime | None = None, console: bool = False) -> Principal:
        return cls("user", account_id, user.arn, user.user_name, user.user_id,
                   access_key_id=access_key_id, mfa_authenticated_at=mfa_at, console=console)

    def audit_identity(self) -> audit.Identity:
        """CloudTrail's userIdentity for this caller."""
        if self.kind == "root":
            return audit.Identity.root(self.account_id, access_key_id=self.access_key_id)
        if self.kind == "user":
            path = self.arn.split(":user", 1)[1].rsplit("/", 1)[0] + "/"
            return audit.Identity.iam_user(self.account_id, self.name, path=path,
                                           user_id=self.principal_id,
                                           access_key_id=self.access_key_id)
        if self.kind == "federated-user":
            return audit.Identity("FederatedUser", self.account_id, arn=self.arn,
                                  access_key_id=self.access_key_id,
                                  principal_id=self.principal_id)
        return audit.Identity.assumed_role(self.account_id, self.name, self.session_name or "",
                                           role_id=self.principal_id.split(":")[0],
                                           access_key_id=self.access_key_id)


@dataclass(frozen=True)
class Step:
    """A request an operation makes on the caller's behalf (a cascade's DeleteAccessKey,
    DetachUserPolicy, ...): authorized and audited as the same request made by hand."""

    event: str  # the operation's name, e.g. "DeleteAccessKey"
    resource: str  # the ARN the request made by hand is authorized on
    params: Mapping[str, Any]  # its requestParameters, as the request by hand records them
    context: tuple[ContextEntry, ...] = ()
    action: str | None = None  # the IAM action, when it is not iam:<event>
    guard: Callable[[], None] | None = None  # a check the request by hand makes beyond policies
    response: Mapping[str, Any] | None = None  # its responseElements, once it is done


@dataclass
class Change:
    """An operation in progress: its transaction, and what to record as its response."""

    tx: Tx
    response: Mapping[str, Any] | None = None
    # Steps made on the caller's behalf, each audited as its own event before the
    # operation's: all of them once the change commits, only a refused one when it fails.
    steps: list[tuple[Step, IamError | None]] = field(default_factory=list)


@dataclass
class _PolicyCache:
    revision: int = -1
    entries: dict[str, principals.PrincipalPolicies] = field(default_factory=dict)


class ServiceCore:
    """State and plumbing every family of operations shares."""

    def __init__(self, store: Store, audit_log: audit.AuditLog, *, keys_dir: Path,
                 clock: Clock = utc_now) -> None:
        self.store = store
        self.audit = audit_log
        self.trail = AuditTrail(store, audit_log)  # seals every commit of `store` from now on
        self.keys_dir = keys_dir
        self.clock = clock
        self._policy_cache = _PolicyCache()
        self._account_id: str | None = None  # set once read: no request changes it

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None, *, clock: Clock = utc_now,
             keys_dir: Path | None = None) -> Self:
        """Open an initialized store (`--db`, else $IAMTUI_DB, else the user data folder).

        Refuses a store that lost commits its audit log proves (StoreDataLost), then writes
        to the log any audit record committed in the store that it lacks.
        """
        path = resolve_db_path(db)
        migrated: list[tuple[int, dict[str, Any]]] = []  # before the key is at hand
        try:
            store = ServiceStore.open(path, schema=SCHEMA, on_commit=lambda rev, base, _:
                                      migrated.append((rev, dict(base))))
        except StoreNotFound:
            if found := trail.leftovers(expand_home(path).resolve()):
                raise StoreDataLost(
                    f"{path} is missing, but {', '.join(map(str, found))} of the store that "
                    f"was there still exist. {trail.restore_advice(path)}") from None
            raise
        try:
            view = store.snapshot()
            if "account" not in view.meta:
                if view.revision > 0 or trail.leftovers(store.path):
                    raise StoreDataLost(
                        f"{store.path} holds no account, but it has committed revisions or an "
                        f"audit log: its journal {trail.journal_path(store.path)} was deleted "
                        f"or cut. {trail.restore_advice(store.path)}")
                raise NoSuchEntity(f"{store.path} holds no account yet: run `iamtui init` "
                                   "first")
            service = cls._assemble(store, view.meta["store_id"], keys_dir, clock)
            if migrated:
                service.trail.carry_over(*migrated[0])
            service.trail.check_not_behind()
        except BaseException:
            store.close()
            raise
        with contextlib.suppress(AuditLogWriteFailed):  # the next change reports it
            service.trail.flush("An earlier change")
        return service

    @classmethod
    def initialize(cls, db: str | os.PathLike[str] | None = None, *, root_password: str,
                   account_id: str | None = None, alias: str | None = None,
                   clock: Clock = utc_now, keys_dir: Path | None = None) -> Self:
        """Create a store with its account and root user (`iamtui init`)."""
        account_id = account_id or "".join(secrets.choice("0123456789") for _ in range(12))
        validate_account_id(account_id)
        if alias is not None:
            validate_account_alias(alias)
        check_password(root_password, None, user_name="root")
        path = resolve_db_path(db)
        if not path.exists() and (found := trail.leftovers(expand_home(path).resolve())):
            raise EntityAlreadyExists(cls._no_init_over(path, found))  # before creating it
        store = ServiceStore.open(path, create=True, schema=SCHEMA)
        try:
            view = store.snapshot()
            if "account" in view.meta:
                raise EntityAlreadyExists(f"{store.path} already holds an account; use "
                                          "it, or pick another --db")
            if view.revision > 0 or view.table_names() or trail.leftovers(store.path):
                raise EntityAlreadyExists(cls._no_init_over(store.path, [store.path]))
            store_id = secrets.token_hex(8)
            # The only place keys are made, before the account exists: a store is never
            # without them (a crash here leaves only unused keys of an unknown store_id).
            keyfiles.create_keys(_keys_folder(keys_dir), store_id)
            service = cls._assemble(store, store_id, keys_dir, clock)
            password_hash = hash_password(root_password)
            with store.transaction() as tx:
                if "account" in tx.meta:
                    raise EntityAlreadyExists(f"{store.path} already holds an account; use "
                                              "it, or pick another --db")
                tx.meta["store_id"] = store_id
                tx.meta["account"] = Account(account_id, clock(), alias).to_record()
                tx.meta["root"] = {"password_hash": password_hash,
                                   "password_last_changed": clock().isoformat()}
                # the account and the record of its creation commit together
                service.trail.stage(tx, service._event(
                    Principal.root(account_id), "CreateAccount",
                    {"accountId": account_id, "accountAlias": alias}))
            service.trail.flush("CreateAccount")
        except BaseException:
            store.close()
            raise
        return service

    @staticmethod
    def is_new(db: str | os.PathLike[str] | None = None) -> bool:
        """True when no file of a store exists at `db` (store, journal, audit log): only
        then may a first run offer to create one."""
        path = resolve_db_path(db)
        return not path.exists() and not trail.leftovers(expand_home(path).resolve())

    @staticmethod
    def _no_init_over(db: Path, found: Sequence[Path]) -> str:
        verb = "exists" if len(found) == 1 else "exist"
        return (f"{', '.join(map(str, found))} already {verb}: `init` never writes over a "
                f"store's files. If {db} lost its journal, restore it from a backup; to start "
                "a new account, pass another --db, or move the store's files (and its audit "
                "log) aside together first.")

    @classmethod
    def _assemble(cls, store: Store, store_id: str, keys_dir: Path | None,
                  clock: Clock) -> Self:
        keys = _keys_folder(keys_dir)
        log_path = store.path.with_name(store.path.name + ".audit.jsonl")
        try:
            # Refused like the store's own files: a key or the log others may read or own.
            key = keyfiles.audit_key(keys, store_id)
            keyfiles.check_private_if_present(keyfiles.key_path(keys, store_id, "mfa"))
            keyfiles.check_private_if_present(log_path)
        except BaseException:
            store.close()
            raise
        log = audit.AuditLog(log_path, key, now=clock)
        return cls(store, log, keys_dir=keys, clock=clock)

    def close(self) -> None:
        self.store.close()

    @property
    def revision(self) -> int:
        """The store's latest committed revision: the TUI reloads a view when it moved."""
        return self.store.revision

    @property
    def path(self) -> Path:
        """Where the store lives (the TUI's status line names it)."""
        return self.store.path

    # ------------------------------------------------------------------ the account

    def account(self) -> Account:
        """The account this store models."""
        return Account.from_record(self.store.snapshot().meta["account"])

    @property
    def account_id(self) -> str:
        """The account's ID, fixed when the store was initialized: read once, as every
        authorization and event asks for it (a snapshot and a copy of the meta each)."""
        found = self._account_id
        if found is None:
            found = self._account_id = self.store.snapshot().meta["account"]["account_id"]
        return found

    def root_principal(self, *, mfa_at: datetime | None = None,
                       console: bool = False) -> Principal:
        """The root user, for callers that have proven its password."""
        return Principal.root(self.account_id, mfa_at=mfa_at, console=console)

    # ------------------------------------------------------------------ authorization

    def policies_of(self, view: View, kind: str, name: str) -> principals.PrincipalPolicies:
        """A user's, role's or group's policies; cached per store revision."""
        cache = self._policy_cache
        if cache.revision != view.revision:
            cache.revision, cache.entries = view.revision, {}
        key = f"{kind}/{name.casefold()}"
        found = cache.entries.get(key)
        if found is None:
            found = principals.resolve(view, kind, name)
            cache.entries[key] = found
        return found

    def caller_context(self, view: View, caller: Principal,
                       extra: Sequence[ContextEntry] = ()) -> RequestContext:
        """The request context AWS builds for a caller: who, when, MFA, principal tags."""
        found = (USERS.find_one(view, "name", caller.name)
                 if caller.kind in ("user", "federated-user") else
                 ROLES.find_one(view, "name", caller.name) if caller.kind == "assumed-role"
                 else None)
        tags = {t.key.lower(): (t.key, t.value) for t in found.tags} if found else {}
        session = self.session_of(view, caller)
        if session is not None:  # session tags override the user's or role's tags
            tags.update({t.key.lower(): (t.key, t.value) for t in session.tags})
        who = simulation.principal_context(
            caller.kind, caller.arn, caller.account_id, caller.principal_id,
            username=caller.name if caller.kind == "user" else None,
            tags=tags.values())
        if session is not None and session.source_identity is not None:
            who.append(ContextEntry("aws:SourceIdentity", (session.source_identity,)))
        if session is not None:  # a web identity or SAML session's claim keys
            who += [ContextEntry(k.key, k.values, "stringList" if len(k.values) > 1
                                 else "string") for k in session.federation_keys]
        # a console sign-in and temporary credentials know whether MFA was proven;
        # long-term access keys don't
        when = simulation.session_context(
            self.clock(), mfa_known=caller.console or caller.kind == "assumed-role"
            or caller.is_temporary,
            mfa_at=caller.mfa_authenticated_at, issued_at=caller.session_issued_at)
        if caller.request is not None:  # the real connection's, over the implied defaults
            when += [ContextEntry("aws:SourceIp", (caller.request.source_ip,), "ip"),
                     ContextEntry("aws:SecureTransport",
                                  (str(caller.request.secure_transport).lower(),), "boolean")]
        return simulation.merge_context([*who, *when], extra)

    def session_of(self, view: View, caller: Principal) -> RoleSession | None:
        """The stored session behind a caller's temporary credentials, if any."""
        if not caller.is_temporary:
            return None
        return ROLE_SESSIONS.get(view, caller.access_key_id or "")

    def evaluate_caller(self, view: View, caller: Principal, action: str, resource: str,
                        extra: Sequence[ContextEntry] = ()) -> EvalResult:
        """The engine's decision on one request by `caller` (root is not special here)."""
        kind = "role" if caller.kind == "assumed-role" else "user"
        extra = with_resource_tags(view, resource, extra)
        session = self.session_of(view, caller)
        own_root = caller.kind == "root" or (  # a federated user of the root user
            session is not None and session.role_id == caller.account_id)
        policies = (self.policies_of(view, kind, caller.name) if not own_root
                    else principals.PrincipalPolicies((_ROOT_ALLOWS,), ()))
        who = Caller.from_arn(caller.arn)
        if caller.kind == "federated-user" and session is not None:
            who = who._replace(parent=session.source_arn)  # the user who federated it
        request = EvalRequest(action, resource, self.caller_context(view, caller, extra),
                              who, caller.account_id)
        result = evaluate(request, policies.identity, boundaries=policies.boundaries,
                          resource_policy=self.resource_policy_input(view, action, resource),
                          session=principals.session_policies(view, session) if session
                          else None)
        if result.allowed and session is not None:
            # each scope-down layer intersects what the session may do (GetScopedCredentials)
            for layer in principals.scope_down_layers(session):
                scoped = evaluate(request, (_ROOT_ALLOWS,), session=layer)
                if not scoped.allowed:
                    return scoped
        return result

    def resource_policy_input(self, view: View, action: str, resource: str) -> PolicyInput | None:
        """The resource-based policy that applies: a role's trust policy for the sts actions
        it governs, else one stored for the resource. IAM has no other resource-based
        policy, so none applies to an iam: action, nor one stored on an IAM or STS ARN
        (an older iamtui let put-resource-policy store those)."""
        if action.lower() in TRUST_POLICY_ACTIONS and ":role/" in resource:
            role = ROLES.find_one(view, "arn", resource)
            return principals.trust_policy_input(role) if role else None
        if action.split(":", 1)[0].lower() == "iam" or is_iam_or_sts_arn(resource):
            return None
        stored = RESOURCE_POLICIES.get(view, resource)
        if stored is None and resource.startswith("arn:aws:s3:::") and "/" in resource:
            # An object is governed by its bucket's policy (whose statements name bucket/*).
            stored = RESOURCE_POLICIES.get(view, resource.split("/", 1)[0])
        if stored is None:
            return None
        return PolicyInput(compile_policy(stored.policy_document, PolicyType.RESOURCE),
                           stored.resource_arn, PolicySourceType.RESOURCE)

    def _authorize(self, view: View, caller: Principal, action: str, resource: str,
                   extra: Sequence[ContextEntry] = ()) -> None:
        """Raise AccessDenied unless `caller` may do `action` on `resource`."""
        check_temporary_limits(caller, action)
        if caller.is_root:
            if caller.account_id != self.account_id:
                raise InvalidClientTokenId("The security token included in the request is "
                                           "invalid: it belongs to another account.")
            if caller.is_temporary:  # root's own session token expires like any other
                self._check_still_valid(view, caller)
            return
        self._check_still_valid(view, caller)
        result = self.evaluate_caller(view, caller, action, resource, extra)
        if not result.allowed:
            raise self._denied(view, caller, action, resource, result)
        tagging = TAG_ON_CREATE.get(action.lower())
        if tagging is not None and any(e.key == "aws:TagKeys" for e in extra):
            # creating with tags is also tagging the new entity: without this, CreateUser
            # alone would set tags that aws:ResourceTag and iam:ResourceTag grants rest on
            result = self.evaluate_caller(view, caller, tagging, resource, extra)
            if not result.allowed:
                raise self._denied(view, caller, tagging, resource, result)

    def _denied(self, view: View, caller: Principal, action: str, resource: str,
                result: EvalResult) -> AccessDenied:
        """The AccessDenied for a decision, with the decision sealed in it."""
        error = AccessDenied(denial_message(caller, action, resource, result))
        error.encoded_message = authz_messages.encode(
            self.keys_dir, view.meta["store_id"], authz_messages.decoded_message(
                caller.principal_id, caller.name, caller.arn, result))
        return error

    def still_valid(self, caller: Principal) -> bool:
        """False once the caller's user or role is gone (deleted, or deleted and made
        again under the same name): every call it makes is InvalidClientTokenId then. A
        front end asks it to end a session that lost its principal; nothing is audited."""
        try:
            self._check_still_valid(self.store.snapshot(), caller)
        except InvalidClientTokenId:
            return False
        return True

    def _check_still_valid(self, view: View, caller: Principal) -> None:
        if caller.kind == "user":
            user = USERS.find_one(view, "name", caller.name)
            if user is None or user.user_id != caller.principal_id:
                raise InvalidClientTokenId("The security token included in the request is "
                                           f"invalid: user {caller.name} no longer exists.")
        elif caller.kind == "federated-user" and caller.name != "root" and \
                USERS.find_one(view, "name", caller.name) is None:
            raise InvalidClientTokenId("The security token included in the request is "
                                       f"invalid: user {caller.name} no longer exists.")
        elif caller.kind == "assumed-role" and ROLES.find_one(view, "name", caller.name) is None:
            raise InvalidClientTokenId("The security token included in the request is invalid: "
                                       f"role {caller.name} no longer exists.")

    # ------------------------------------------------------------------ operations

    @contextlib.contextmanager
    def _change(self, caller: Principal, event: str, resource: str,
                params: Mapping[str, Any], *, action: str | None = None,
                context: Sequence[ContextEntry] = ()) -> Iterator[Change]:
        """One authorized, audited, atomic change: `with self._change(...) as change:`."""
        def authorize(tx: Tx) -> None:
            self._authorize(tx, caller, action or f"iam:{event}", resource, context)

        with self._audited(caller, event, params, authorize=authorize) as change:
            yield change

    @contextlib.contextmanager
    def _audited(self, caller: Principal, event: str, params: Mapping[str, Any], *,
                 authorize: Callable[[Tx], None] | None = None,
                 source: str = audit.IAM_SOURCE,
                 secrets_used: Sequence[str] = ()) -> Iterator[Change]:
        """A change and its audit event in one transaction; the event reaches the log after
        the commit. A failure (denied, invalid, ...) commits nothing but its own event.
        Steps made on the caller's behalf are audited as their own events before it: all of
        them in the same transaction, or only a refused one when the change fails."""
        validate_unicode(params)  # before anything: no store, log or terminal takes one
        change: Change | None = None
        try:
            with self.store.transaction() as tx:
                if authorize is not None:
                    authorize(tx)
                change = Change(tx)
                yield change
                for step_event in self._step_events(caller, change, committed=True):
                    self.trail.stage(tx, step_event)
                self.trail.stage(tx, self._event(caller, event, params,
                                                 response=change.response, source=source,
                                                 secrets_used=secrets_used))
        except IamError as exc:
            for step_event in self._step_events(caller, change, committed=False):
                self._append_audit(step_event)
            self._record(caller, event, params, error=exc, source=source,
                         secrets_used=secrets_used)
            raise
        self.trail.flush(event)

    def _authorize_steps(self, change: Change, caller: Principal, steps: Sequence[Step]) -> None:
        """Authorize every step before anything is removed: a refused step is audited with
        its denial and stops the whole operation (its transaction then changes nothing)."""
        for step in steps:
            try:
                self._authorize(change.tx, caller, step.action or f"iam:{step.event}",
                                step.resource, step.context)
                if step.guard is not None:
                    step.guard()
            except IamError as exc:
                change.steps.append((step, exc))
                raise
        change.steps.extend((step, None) for step in steps)

    def _step_events(self, caller: Principal, change: Change | None, *,
                     committed: bool) -> list[dict[str, Any]]:
        """The events of a change's steps, in order, as the requests by hand would make them:
        every step once the change commits, else only the refused one."""
        return [self._event(caller, step.event, step.params,
                            response=None if error else step.response, error=error)
                for step, error in (change.steps if change else ())
                if committed or error is not None]

    def _read(self, caller: Principal, event: str, resource: str, *,
              action: str | None = None, context: Sequence[ContextEntry] = (),
              params: Mapping[str, Any] | None = None) -> Snapshot:
        """Authorize a read and return the snapshot to read from; denials are audited."""
        return self._authorized(caller, event, resource, action=action, context=context,
                                params=params)

    def _authorized(self, caller: Principal, event: str, resource: str, *,
                    action: str | None = None, context: Sequence[ContextEntry] = (),
                    params: Mapping[str, Any] | None = None,
                    read_only: bool = True) -> Snapshot:
        """Authorize a request before anything about its entity is told, and return the
        snapshot it was authorized on; a denial is audited (as a write unless read_only)."""
        validate_unicode(params or {})
        view = self.store.snapshot()
        try:
            self._authorize(view, caller, action or f"iam:{event}", resource, context)
        except IamError as exc:
            self._record(caller, event, params or {}, error=exc, read_only=read_only)
            raise
        return view

    def _authorize_each(self, view: View, caller: Principal, event: str, action: str,
                        resources: Iterable[str], params: Mapping[str, Any],
                        every: str) -> None:
        """A read over many entities is each entity's read: raise (and audit) AccessDenied
        unless `caller` may do `action` on every one of `resources`. The refusal names
        `every` (what was asked for), not the entity refused, whose name is not told."""
        for resource in resources:
            try:
                self._authorize(view, caller, action, resource)
            except AccessDenied:
                error = AccessDenied(f"User: {caller.arn} is not authorized to perform: "
                                     f"{action} on {every}: a policy does not allow it, or "
                                     "denies it, for at least one of them")
                self._record(caller, event, params, error=error, read_only=True)
                raise error from None
            except IamError as exc:
                self._record(caller, event, params, error=exc, read_only=True)
                raise

    def _subject(self, caller: Principal, event: str, params: Mapping[str, Any],
                 find: Callable[..., E], *args: Any, action: str | None = None,
                 context: Sequence[ContextEntry] = (), read_only: bool = True) -> E:
        """`find(snapshot, *args)`: the entity a request is on, looked up to learn the ARN
        and the condition keys it is authorized with. Authorization comes first, as AWS
        does it: when the entity is missing, the caller must be allowed `action` on the
        ARN the request names (NoSuchEntity.resource), with the condition keys the request
        itself carries (`context`: aws:RequestTag, iam:PolicyARN...), before learning so;
        otherwise the answer is the AccessDenied an existing entity would give, audited the
        same way (read_only for a read, as `_read` records it; else as `_change` does). An
        allowed write still learns NoSuchEntity, and that failure is audited too."""
        view = self.store.snapshot()
        try:
            return find(view, *args)
        except NoSuchEntity as missing:
            if missing.resource is None:  # not about existence ("Must specify userName")
                raise
            try:
                self._authorized(caller, event, missing.resource, action=action,
                                 context=context, params=params, read_only=read_only)
            except IamError as exc:
                raise exc from None  # the NoSuchEntity stays unknown to the caller
            if not read_only:  # a failed write is audited, as `_audited` does for the rest
                self._record(caller, event, params, error=missing)
            raise

    def _record(self, caller: Principal, event: str, params: Mapping[str, Any], *,
                response: Mapping[str, Any] | None = None, error: IamError | None = None,
                read_only: bool = False, source: str = audit.IAM_SOURCE,
                secrets_used: Sequence[str] = ()) -> None:
        """Audit one event (see `_append_audit`)."""
        self._append_audit(self._event(caller, event, params, response=response, error=error,
                                       read_only=read_only, source=source,
                                       secrets_used=secrets_used))

    def _event(self, caller: Principal, event: str, params: Mapping[str, Any], *,
               response: Mapping[str, Any] | None = None, error: IamError | None = None,
               read_only: bool = False, source: str = audit.IAM_SOURCE,
               secrets_used: Sequence[str] = ()) -> dict[str, Any]:
        """The CloudTrail-shaped event of one request by `caller`."""
        request, served = caller.request, SERVED_CALL.get()
        if served is not None and (request is None or request is served.request):
            request, served.audited = served.request, True
        return audit.make_event(
            event, identity=caller.audit_identity(), source=source,
            request_parameters=params, response_elements=response,
            error_code=error.code if error else None,
            error_message=error.message if error else None, read_only=read_only,
            secret_values=secrets_used, now=self.clock,
            source_ip_address=request.source_ip if request else None,
            user_agent=request.user_agent if request else None,
            request_id=request.request_id if request else None)

    def _append_audit(self, record: Mapping[str, Any],
                      also: Callable[[Tx], None] | None = None) -> None:
        """Commit `record` (with `also`, in the same transaction, e.g. a failure count),
        then append it to the log.

        Inside a transaction of this thread the record joins it instead (it is then gone if
        that transaction aborts: record a refusal after the transaction, not inside it).
        When the log cannot be written, the record waits in the store and nothing is raised
        here: a sign-in or a refusal goes on as it would; the next change reports the log
        (`_audited`), and past trail.MAX_PENDING waiting records nothing more is committed.
        """
        open_tx = self.store.active_transaction()
        if open_tx is not None:
            self.trail.stage(open_tx, record)
            if also is not None:
                also(open_tx)
            return
        with self.store.transaction() as tx:
            self.trail.stage(tx, record)
            if also is not None:
                also(tx)
        with contextlib.suppress(AuditLogWriteFailed):
            self.trail.flush(str(record.get("eventName")))


# The actions a role's trust policy governs (IAM User Guide, "Role trust policies" and
# "Passing session tags in AWS STS"; sts:SetSourceIdentity: "Monitor and control actions
# taken with assumed roles").
TRUST_POLICY_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml",
                                  "sts:assumerolewithwebidentity", "sts:tagsession",
                                  "sts:setsourceidentity"})


# What temporary credentials other than a role session's may call (STS API Reference,
# GetSessionToken and GetFederationToken): a session token calls STS only for these, and
# IAM only when MFA was proven; a federated user calls IAM never, STS only for the first.
SESSION_TOKEN_STS_ACTIONS = frozenset({"sts:getcalleridentity", "sts:assumerole"})
FEDERATED_USER_STS_ACTIONS = frozenset({"sts:getcalleridentity"})


# A Create* request that sets tags also needs the Tag* action on the new entity (IAM User
# Guide, "IAM: Create new users only with specific tags", grants iam:CreateUser with
# iam:TagUser for that reason), by the lower-cased create action.
TAG_ON_CREATE = {
    "iam:createuser": "iam:TagUser", "iam:createrole": "iam:TagRole",
    "iam:createpolicy": "iam:TagPolicy", "iam:createinstanceprofile": "iam:TagInstanceProfile",
    "iam:createopenidconnectprovider": "iam:TagOpenIDConnectProvider",
    "iam:createsamlprovider": "iam:TagSAMLProvider",
    "iam:uploadservercertificate": "iam:TagServerCertificate",
    "iam:createvirtualmfadevice": "iam:TagMFADevice"}

# The tag keys a request on a stored entity carries, by its resource type (Service
# Authorization Reference, IAM's resource types): users and roles also iam:ResourceTag.
_RESOURCE_TAG_PREFIXES = {"user": ("aws", "iam"), "role": ("aws", "iam")}


def with_resource_tags(view: View, resource: str,
                       extra: Sequence[ContextEntry]) -> Sequence[ContextEntry]:
    """`extra` with the tags of the stored taggable entity `resource` names, as
    aws:ResourceTag/<key> and, for a user or role, iam:ResourceTag/<key>: every action on
    it carries them, or a Deny guarding tagged users would not stop CreateAccessKey on
    one. A prefix the request brought itself (a simulation's context) is left as given."""
    found = tagged_entity(view, resource)
    if found is None or not found.tags:
        return extra
    keys = [e.key.lower() for e in extra]
    missing = [prefix for prefix in _RESOURCE_TAG_PREFIXES.get(_resource_type(resource), ("aws",))
               if not any(k.startswith(f"{prefix}:resourcetag/") for k in keys)]
    return [*extra, *resource_tag_context(found.tags, missing)]


def resource_tag_context(tags: Iterable[Tag], prefixes: Iterable[str] = ("aws",)
                         ) -> list[ContextEntry]:
    """<prefix>:ResourceTag/<key> for a request on a tagged entity (aws, by default)."""
    return [ContextEntry(f"{prefix}:ResourceTag/{t.key}", (t.value,))
            for prefix in prefixes for t in tags]


def _resource_type(resource: str) -> str:
    """The resource type an IAM ARN names (`user` of arn:aws:iam::1:user/a), else ""."""
    return resource.split(":", 5)[5].split("/", 1)[0] if resource.count(":") >= 5 else ""


# The taggable entities other than users and roles, by the resource type their ARN names:
# found by ARN, or by name (the ARN then compared, as its path is not in the key)
_TAGGED_BY_ARN = {"policy": POLICIES, "saml-provider": SAML_PROVIDERS, "mfa": MFA_DEVICES}
_TAGGED_BY_NAME = {"instance-profile": INSTANCE_PROFILES,
                   "server-certificate": SERVER_CERTIFICATES}


def tagged_entity(view: View, resource: str) -> Any:
    """The stored taggable IAM entity (user, role, managed policy, instance profile, server
    certificate, SAML provider, virtual MFA device) `resource` is the ARN of, or None."""
    kind = _resource_type(resource)
    if kind in ("user", "role"):
        return (USERS if kind == "user" else ROLES).find_one(view, "arn", resource)
    if kind in _TAGGED_BY_ARN:
        return _TAGGED_BY_ARN[kind].get(view, resource)
    if kind in _TAGGED_BY_NAME:
        found = _TAGGED_BY_NAME[kind].find_one(view, "name", resource.rsplit("/", 1)[-1])
        return found if found is not None and found.arn == resource else None
    return None


def check_temporary_limits(caller: Principal, action: str) -> None:
    """Refuse what GetSessionToken's and GetFederationToken's credentials cannot call,
    whatever the policies say."""
    if not caller.is_temporary or caller.kind == "assumed-role":
        return
    service = action.split(":", 1)[0].lower()
    operation = action.split(":", 1)[-1]
    if caller.kind == "federated-user":
        if service == "iam":
            raise AccessDenied(f"Cannot call {operation} with the credentials of a federated "
                               "user: GetFederationToken's credentials cannot call IAM.")
        if service == "sts" and action.lower() not in FEDERATED_USER_STS_ACTIONS:
            raise AccessDenied(f"Cannot call {operation} with session credentials")
        return
    if service == "iam" and caller.mfa_authenticated_at is None:
        # what AWS answers: GetSessionToken's credentials call IAM only with MFA
        raise InvalidClientTokenId("The security token included in the request is invalid")
    if service == "sts" and action.lower() not in SESSION_TOKEN_STS_ACTIONS:
        raise AccessDenied(f"Cannot call {operation} with session credentials")


def is_iam_or_sts_arn(arn: str) -> bool:
    """An ARN of IAM's or STS's own resources (users, groups, roles, policies, sessions...),
    in any partition: none of them has a resource-based policy but a role's trust policy."""
    parts = arn.split(":", 3)
    return len(parts) > 2 and parts[0] == "arn" and parts[2].lower() in ("iam", "sts")


# The root user's implicit "allow everything" (used only when the engine is asked
# about root explicitly, e.g. by the permission tester; operations skip it).
_ROOT_ALLOWS = PolicyInput(compile_policy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'),
    "root", PolicySourceType.NONE)


def denial_message(caller: Principal, action: str, resource: str, result: EvalResult) -> str:
    """AWS's AccessDenied wording, with the layer that decided."""
    if result.decision == Decision.EXPLICIT_DENY:
        layer = {Layer.IDENTITY: "an identity-based policy",
                 Layer.BOUNDARY: "a permissions boundary",
                 Layer.RESOURCE: "a resource-based policy",
                 Layer.SESSION: "a session policy"}.get(result.decided_by, "a policy")
        why = f"with an explicit deny in {layer}"
    elif result.decided_by == Layer.BOUNDARY:
        why = f"because no permissions boundary allows the {action} action"
    elif result.decided_by == Layer.SESSION:
        why = f"because no session policy allows the {action} action"
    elif result.decided_by == Layer.RESOURCE and result.cross_account:
        why = f"because no resource-based policy allows the {action} action"
    else:
        why = f"because no identity-based policy allows the {action} action"
    kind = "User" if caller.kind != "root" else "Root"
    return f"{kind}: {caller.arn} is not authorized to perform: {action} on resource: " \
           f"{resource} {why}"
