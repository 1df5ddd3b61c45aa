"""How a command reaches the store and proves who is calling.

Every command but `init` and the store-less policy commands acts as a principal:
the root user with `--as-root` (its password read without echo, or from standard
input with `--root-password-stdin`), or an access key pair: from
$IAMTUI_ACCESS_KEY_ID / $IAMTUI_SECRET_ACCESS_KEY, or from a profile of the
credentials file that `iamtui configure` writes. Temporary credentials (assume-role,
get-session-token, get-federation-token) come with their session token, as the AWS CLI
takes AWS_SESSION_TOKEN or a profile's aws_session_token: $IAMTUI_SESSION_TOKEN, or
aws_session_token in the profile.
"""

from __future__ import annotations

import argparse
import configparser
import getpass
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from iamtui.arn import lone_surrogate
from iamtui.commands.registry import ArgumentError
from iamtui.errors import IamError, InvalidClientTokenId

if TYPE_CHECKING:
    from iamtui.service import IamService, Principal


class NoCredentials(IamError):
    """No way to tell who is calling (AWS CLI: "Unable to locate credentials")."""

    code = "NoCredentials"


def read_secret(prompt: str, *, from_stdin: bool) -> str:
    """A password or secret: one line of standard input, or typed without echo."""
    if from_stdin:
        try:  # a byte that is not UTF-8 fails here, or (C locale) becomes a surrogate
            line: str | None = sys.stdin.readline()
        except UnicodeDecodeError:
            line = None
        if line is None or lone_surrogate(line) is not None:
            raise ArgumentError(f"{prompt.rstrip(': ')}: standard input is not UTF-8 text")
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise NoCredentials(f"{prompt.rstrip(': ')} is needed, and standard input is not a "
                            "terminal: pass it with --root-password-stdin")
    return getpass.getpass(prompt)


# --------------------------------------------------------------- the credentials file

ENV_ACCESS_KEY_ID = "IAMTUI_ACCESS_KEY_ID"
ENV_SECRET_ACCESS_KEY = "IAMTUI_SECRET_ACCESS_KEY"
ENV_SESSION_TOKEN = "IAMTUI_SESSION_TOKEN"
ENV_PROFILE = "IAMTUI_PROFILE"
DEFAULT_PROFILE = "default"
KEY_ID_OPTION = "aws_access_key_id"  # the option names of ~/.aws/credentials
SECRET_OPTION = "aws_secret_access_key"
TOKEN_OPTION = "aws_session_token"  # beside a temporary (ASIA) pair, as the AWS CLI keeps it


def credentials_path() -> Path:
    """The credentials file: `credentials` in the config folder ($IAMTUI_CONFIG_DIR)."""
    from iamtui.service.core import config_dir

    return config_dir() / "credentials"


def profile_name(args: argparse.Namespace) -> tuple[str, bool]:
    """The profile to use (--profile, else $IAMTUI_PROFILE, else "default"), and whether
    it was named explicitly (a named profile that is missing is an error)."""
    named = getattr(args, "profile", None) or os.environ.get(ENV_PROFILE)
    return (named or DEFAULT_PROFILE), bool(named)


_PROFILE_NAME_RE = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)


def validate_profile_name(name: str) -> str:
    """A profile name that can be an INI section header: 1-64 of [\\w+=,.@-]."""
    if not _PROFILE_NAME_RE.fullmatch(name):
        raise NoCredentials(f"Profile name {name!r} is not usable: use 1-64 letters, digits "
                            "and _+=,.@-")
    return name


def _new_parser() -> configparser.ConfigParser:
    # No DEFAULT section magic: a profile may be called "DEFAULT" like any other.
    return configparser.ConfigParser(interpolation=None, default_section="\x00")


def check_private(path: Path) -> None:
    """Refuse a credentials file that others could read or that is not the user's own."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise NoCredentials(f"{path} is not a regular file; refusing to read credentials "
                            "from it.")
    if info.st_uid != os.geteuid():
        raise NoCredentials(f"{path} belongs to another user (uid {info.st_uid}); refusing "
                            "to read credentials from it.")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise NoCredentials(f"{path} is accessible to other users (mode {mode:04o}); refusing "
                            f"to read credentials from it. Run `chmod 600 {path}`, and "
                            "replace the keys in it if others may have read them.")


def _read_file(path: Path) -> configparser.ConfigParser:
    check_private(path)
    parser = _new_parser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise NoCredentials(f"{path} is not a valid credentials file: {exc}") from None
    return parser


def load_profile(name: str, *, required: bool) -> tuple[str, str] | None:
    """The key pair of profile `name`; None if there is none and it was not `required`."""
    path = credentials_path()
    parser = _read_file(path) if path.exists() else None
    if parser is None or not parser.has_section(name):
        if not required:
            return None
        where = f"in {path}" if parser is not None else f"({path} does not exist)"
        raise NoCredentials(f"The config profile ({name}) could not be found {where}. Save "
                            f"a key pair in it with `iamtui configure --profile {name}`.")
    section = parser[name]
    missing = [o for o in (KEY_ID_OPTION, SECRET_OPTION) if not section.get(o, "").strip()]
    if missing:
        raise NoCredentials(f"Partial credentials found in profile {name} of {path}, "
                            f"missing: {', '.join(missing)}")
    return section[KEY_ID_OPTION].strip(), section[SECRET_OPTION].strip()


def load_session_token(name: str) -> str | None:
    """The session token saved beside profile `name`'s pair, if any."""
    path = credentials_path()
    if not path.exists():
        return None
    parser = _read_file(path)
    token = parser[name].get(TOKEN_OPTION, "").strip() if parser.has_section(name) else ""
    return token or None


def save_profile(name: str, access_key_id: str, secret: str,
                 session_token: str | None = None) -> Path:
    """Write the pair (and a temporary pair's session token; a long-term pair drops any
    old token) into profile `name`, other profiles kept: a 0600 file, replaced atomically,
    in a 0700 folder."""
    # the one private-file writer; imported here, as the store's package brings TinyDB
    from iamtui.store.files import atomic_write

    validate_profile_name(name)
    path = credentials_path()
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) & 0o077 and folder.stat().st_uid == os.geteuid():
        folder.chmod(0o700)  # our own config folder: keep other users out of it
    parser = _read_file(path) if path.exists() else _new_parser()
    if not parser.has_section(name):
        parser.add_section(name)
    parser[name][KEY_ID_OPTION] = access_key_id
    parser[name][SECRET_OPTION] = secret
    if session_token:
        parser[name][TOKEN_OPTION] = session_token
    else:
        parser.remove_option(name, TOKEN_OPTION)
    text = io.StringIO()
    parser.write(text)
    atomic_write(path, text.getvalue().encode("utf-8"))
    return path


# --------------------------------------------------------------- credential sources


def from_session_environment(service: IamService, args: argparse.Namespace) -> Principal | None:
    """A role session from the environment: key pair plus $IAMTUI_SESSION_TOKEN.

    Tried first, so a session token wins over the long-term key sources; skipped when
    --profile names a profile (options come before the environment).
    """
    if getattr(args, "profile", None):
        return None
    key_id = os.environ.get(ENV_ACCESS_KEY_ID, "").strip()
    secret = os.environ.get(ENV_SECRET_ACCESS_KEY, "").strip()
    token = os.environ.get(ENV_SESSION_TOKEN, "").strip()
    if not token:
        if key_id.startswith("ASIA") and secret:  # temporary keys are useless without it
            raise InvalidClientTokenId("The security token included in the request is "
                                       f"invalid: temporary credentials need {ENV_SESSION_TOKEN}.")
        return None
    if not key_id or not secret:
        missing = ENV_SECRET_ACCESS_KEY if key_id else ENV_ACCESS_KEY_ID
        raise NoCredentials(f"Partial credentials found in env, missing: {missing}")
    return service.authenticate_session(key_id, secret, token)


def from_environment(service: IamService, args: argparse.Namespace) -> Principal | None:
    """$IAMTUI_ACCESS_KEY_ID and $IAMTUI_SECRET_ACCESS_KEY; skipped when --profile names a
    profile, since command line options come before environment variables (AWS CLI,
    "Configuration and credentials precedence")."""
    if getattr(args, "profile", None):
        return None
    key_id = os.environ.get(ENV_ACCESS_KEY_ID, "").strip()
    secret = os.environ.get(ENV_SECRET_ACCESS_KEY, "").strip()
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        missing = ENV_SECRET_ACCESS_KEY if key_id else ENV_ACCESS_KEY_ID
        raise NoCredentials(f"Partial credentials found in env, missing: {missing}")
    if key_id.startswith("ASIA") and os.environ.get(ENV_SESSION_TOKEN):
        return None  # temporary credentials: the session source handles them
    return service.authenticate_access_key(key_id, secret)


def from_profile(service: IamService, args: argparse.Namespace) -> Principal | None:
    """A profile of the credentials file (--profile, $IAMTUI_PROFILE or "default"); a
    temporary pair with its aws_session_token acts as its session."""
    name, named = profile_name(args)
    pair = load_profile(name, required=named)
    if pair is None:
        return None
    token = load_session_token(name)
    if token is not None:
        return service.authenticate_session(*pair, token)
    return service.authenticate_access_key(*pair)


# Tried in this order after --as-root, as the AWS CLI tries its providers: a session token
# first, so it wins over the long-term key sources.
CredentialSource = Callable[["IamService", argparse.Namespace], "Principal | None"]
CREDENTIAL_SOURCES: tuple[CredentialSource, ...] = (from_session_environment, from_environment,
                                                     from_profile)


def caller_for(service: IamService, args: argparse.Namespace) -> Principal:
    """The principal the command acts as."""
    if getattr(args, "as_root", False):
        return _sign_in_root(service, args)
    for source in CREDENTIAL_SOURCES:
        principal = source(service, args)
        if principal is not None:
            return principal
    raise NoCredentials(
        "Unable to locate credentials. Use --as-root to act as the root user, or give an "
        "access key: create one with `iamtui create-access-key --user-name NAME --as-root`, "
        "then run `iamtui configure` or set IAMTUI_ACCESS_KEY_ID and "
        "IAMTUI_SECRET_ACCESS_KEY.")


def _sign_in_root(service: IamService, args: argparse.Namespace) -> Principal:
    """The root user's password (then its MFA code, when enrolled), through the same sign-in
    as the console: the lockout and MFA protect the root user from the command line too."""
    password = read_secret("Root password: ", from_stdin=args.root_password_stdin)
    try:
        return service.sign_in_root(service.account_id, password)
    except IamError as error:
        if error.code != "MfaCodeRequired":
            raise
    code = read_secret("MFA code of the root user: ", from_stdin=args.root_password_stdin)
    return service.sign_in_root(service.account_id, password, code)


# Set by `iamtui serve` around a command it runs for a request: the server's open store and
# the principal whose signature it verified (None for the calls AWS takes unsigned), so a
# command serves HTTP exactly as it runs here.
SERVED: ContextVar[tuple[IamService, Principal | None] | None] = ContextVar("served",
                                                                           default=None)


@contextmanager
def unsigned_store(args: argparse.Namespace) -> Iterator[IamService]:
    """The store alone, for the STS calls AWS takes without credentials
    (AssumeRoleWithWebIdentity, AssumeRoleWithSAML: the token or assertion is the proof);
    within `iamtui serve`, the server's store."""
    from iamtui.service import IamService

    served = SERVED.get()
    if served is not None:
        yield served[0]
        return
    service = IamService.open(args.db)
    try:
        yield service
    finally:
        service.close()


@contextmanager
def session(args: argparse.Namespace) -> Iterator[tuple[IamService, Principal]]:
    """Open the store named by --db / $IAMTUI_DB and authenticate the caller (or, within a
    request to `iamtui serve`, the server's store and the request's verified principal)."""
    from iamtui.service import IamService

    served = SERVED.get()
    if served is not None:
        service, caller = served
        if caller is None:  # an unsigned request may run only the unsigned calls
            raise InvalidClientTokenId("The request must be signed (SigV4).")
        yield service, caller
        return
    service = IamService.open(args.db)
    try:
        yield service, caller_for(service, args)
    finally:
        service.close()
