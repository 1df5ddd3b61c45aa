"""File primitives: private folders and files, atomic replace, the inter-process lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from iamtui.store.errors import StoreError, StorePermissions

ENV_VAR = "IAMTUI_DB"
TEMP_SUFFIX = ".tmp"
TOKEN_SIZE = 16


def default_db_path() -> Path:
    """The store's default location: `<user data dir>/iamtui/iamtui.json`."""
    return platformdirs.user_data_path("iamtui", appauthor=False) / "iamtui.json"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The path to use: `--db PATH` if given, else `$IAMTUI_DB`, else `default_db_path()`."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else default_db_path()


def ensure_private_dir(folder: Path) -> None:
    """Create `folder` (and missing parents) with mode 0700; existing folders are left alone."""
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(created, 0o700)
        os.chmod(created, 0o700)  # mkdir's mode is filtered by the umask


def check_private(st: os.stat_result, path: Path) -> None:
    """Refuse a file owned by someone else or open to group/others, saying how to fix it."""
    if st.st_uid != os.getuid():
        raise StorePermissions(
            f"refusing to use {path}: it is owned by uid {st.st_uid}, not by you "
            f"(uid {os.getuid()}); copy it to a file of your own or run as its owner"
        )
    if st.st_mode & 0o077:
        raise StorePermissions(
            f"refusing to use {path}: its mode {stat.filemode(st.st_mode)} "
            f"({st.st_mode & 0o777:o}) lets group or others access it; "
            f"run `chmod 600 {path}` if no one else has read it, then try again"
        )


def check_folder(folder: Path) -> None:
    """Refuse a folder where others could swap our files: another user's, or world-writable
    without the sticky bit (group-writable is left alone: umask 002 is common)."""
    st = os.stat(folder)
    if st.st_uid not in (os.getuid(), 0):
        raise StorePermissions(
            f"refusing to use a store in {folder}: the folder belongs to uid {st.st_uid}, "
            f"who could replace its files; keep the store in a folder of your own"
        )
    if st.st_mode & stat.S_IWOTH and not st.st_mode & stat.S_ISVTX:
        raise StorePermissions(
            f"refusing to use a store in {folder}: anyone may replace files in it "
            f"(mode {st.st_mode & 0o777:o}); run `chmod o-w {folder}` or choose another folder"
        )


def open_private(path: Path, flags: int) -> int:
    """Open `path` (created 0600 if O_CREAT), then check owner and mode on the open descriptor."""
    try:
        fd = os.open(path, flags | os.O_CLOEXEC, 0o600)
    except PermissionError as exc:
        raise StorePermissions(
            f"cannot open {path}: {exc.strerror}; if the file is yours, run `chmod 600 {path}`"
        ) from exc
    except (FileNotFoundError, FileExistsError):
        raise
    except OSError as exc:  # e.g. a folder where the file should be
        raise StoreError(f"cannot open {path}: {exc.strerror}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise StoreError(f"cannot use {path}: it is not a regular file")
        check_private(st, path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(path: Path) -> Path:
    """A fresh temp name in the same folder, so that os.replace is atomic."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def stray_temp_files(*paths: Path) -> list[Path]:
    """Temp files that a killed writer left beside `paths` (exactly temp_path_for's names)."""
    found: list[Path] = []
    for path in paths:
        pattern = re.compile(re.escape(f".{path.name}.") + "[0-9a-f]{12}" + re.escape(TEMP_SUFFIX))
        found += [p for p in path.parent.glob(f".{path.name}.*") if pattern.fullmatch(p.name)]
    return sorted(found)


def atomic_write(path: Path, data: bytes, *, replace: bool = True) -> bool:
    """Write `path` whole or not at all, 0600 whatever the umask: a temp file beside it,
    fsynced, then renamed over `path` (or, without `replace`, linked into place only if the
    name is free), then the folder fsynced. Readers and a crash see either the old file or
    the new one, never a mix.

    The one private-file writer of the project (the store's files, the key files, the
    credentials file): it lives here because the store may import nothing outside itself.
    Returns False, writing nothing, when `replace` is off and `path` already exists.
    """
    tmp = temp_path_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the name exists: never over another file
            except FileExistsError:
                return False
            finally:
                os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
    return True


class FileLock:
    """The exclusive/shared flock on `<db>.lock`, which also holds a change token.

    A writer stores a fresh random token before it touches any file; a reader that
    still sees the token of its last load knows nothing changed, with one pread.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = open_private(path, os.O_RDWR | os.O_CREAT)
        self.pid = os.getpid()

    def close(self) -> None:
        """Release the descriptor (and with it any lock held through it)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    @contextlib.contextmanager
    def held(self, exclusive: bool) -> Iterator[None]:
        """Hold the lock (exclusive for writers, shared for readers) for the block."""
        if os.getpid() != self.pid:  # a forked child shares our flock: it would not exclude
            raise StoreError(
                f"this store ({self.path}) was opened before a fork; open it again in this process"
            )
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        except OSError as exc:
            raise StoreError(f"cannot lock {self.path}: {exc.strerror}") from exc
        try:
            yield
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def token(self) -> bytes:
        """The current change token (empty before the first write)."""
        return os.pread(self.fd, TOKEN_SIZE, 0)

    def new_token(self) -> bytes:
        """Store and return a fresh token; call with the exclusive lock held, before writing."""
        token = secrets.token_hex(TOKEN_SIZE // 2).encode()
        os.pwrite(self.fd, token, 0)
        return token
