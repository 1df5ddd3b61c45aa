"""The journal `<db>.journal`: one checksummed JSON line per committed transaction.

Line 1 is a header naming the generation of the TinyDB file it extends and that
file's revision; every further line is `{"rev": N, "ops": [[table, key, record|null],
...], "meta": {...}?}` with N counting up by one. Every line ends with
`,"crc":"<crc32 of the bytes before it>"}` so that a line cut short by a kill is
recognised and ignored (its transaction was never acknowledged).
"""

from __future__ import annotations

import contextlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from iamtui.store.errors import StoreCorrupt, StoreError
from iamtui.store.files import open_private, write_all

FORMAT = 1
_CRC_HEAD = b',"crc":"'
_CRC_LEN = len(_CRC_HEAD) + 8 + 2  # ,"crc":"xxxxxxxx"}


def encode_line(obj: dict[str, Any]) -> bytes:
    """`obj` as one JSON line whose last member is the checksum of the bytes before it."""
    body = orjson.dumps(obj)
    head = body[:-1]  # without the closing brace
    return b"%s%s%08x\"}\n" % (head, _CRC_HEAD, zlib.crc32(head))


def decode_line(line: bytes) -> dict[str, Any] | None:
    """The object of a line (without its newline), or None if it is cut short or damaged."""
    if len(line) < _CRC_LEN or line[-_CRC_LEN : -_CRC_LEN + len(_CRC_HEAD)] != _CRC_HEAD:
        return None
    head = line[:-_CRC_LEN]
    try:
        if int(line[-10:-2], 16) != zlib.crc32(head):
            return None
        obj = orjson.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    del obj["crc"]
    return obj


@dataclass
class JournalRead:
    """What was read: the header, the transactions, where the valid part ends, the stat."""

    header: dict[str, Any]
    entries: list[dict[str, Any]]
    valid_end: int
    st: os.stat_result


def parse(data: bytes, path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Decode the lines of `data` (read at `offset`): the objects and the end of the last good one.

    Damage is accepted only at the end (a write cut short); a bad line followed by a
    good one means the file was damaged, and that is an error, never a silent skip.
    """
    lines = data.split(b"\n")
    objs: list[dict[str, Any]] = []
    pos = 0
    for i, line in enumerate(lines[:-1]):  # the last piece has no newline: never committed
        obj = decode_line(line)
        if obj is None:
            if any(decode_line(rest) is not None for rest in lines[i + 1 : -1]):
                raise StoreCorrupt(
                    f"{path} is damaged at byte {offset + pos} (a transaction in the middle "
                    f"fails its checksum); it was left untouched: restore it from a backup"
                )
            break
        objs.append(obj)
        pos += len(line) + 1
    return objs, offset + pos


def read(path: Path) -> JournalRead | None:
    """Read the whole journal, or None if there is none."""
    try:
        fd = open_private(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
        data = _read_fd(fd, 0, st.st_size)
    finally:
        os.close(fd)
    objs, valid_end = parse(data, path)
    _check_entries(objs[1:], path)
    if not objs or objs[0].get("journal") != FORMAT:
        if valid_end == 0 and not data.strip(b"\0\n"):
            # an empty journal: created but nothing committed (possible only after a crash)
            return JournalRead({}, [], 0, st)
        raise StoreCorrupt(f"{path} does not start with an iamtui journal header; left untouched")
    return JournalRead(objs[0], objs[1:], valid_end, st)


def read_tail(
    path: Path, offset: int, ino: int
) -> tuple[list[dict[str, Any]], int, os.stat_result]:
    """The transactions appended since `offset` to the same file (inode `ino`)."""
    fd = open_private(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        if st.st_ino != ino or st.st_size < offset:
            raise FileNotFoundError(path)  # replaced: the caller reloads everything
        data = _read_fd(fd, offset, st.st_size - offset)
    finally:
        os.close(fd)
    objs, valid_end = parse(data, path, offset)
    _check_entries(objs, path)
    return objs, valid_end, st


def _is_op(op: Any) -> bool:
    return (isinstance(op, list) and len(op) == 3 and isinstance(op[0], str)
            and isinstance(op[1], str) and (op[2] is None or isinstance(op[2], dict)))


def _check_entries(entries: list[dict[str, Any]], path: Path) -> None:
    """Refuse transactions of an unknown shape (their checksum was right: not a torn write)."""
    for entry in entries:
        if not (isinstance(entry.get("rev"), int) and isinstance(entry.get("ops"), list)
                and isinstance(entry.get("meta", {}), dict) and all(map(_is_op, entry["ops"]))):
            raise StoreCorrupt(
                f"{path} holds a transaction of an unknown shape (revision "
                f"{entry.get('rev')!r}); both store files were left untouched"
            )


def append(path: Path, line: bytes, valid_end: int) -> os.stat_result:
    """Append one transaction durably, first cutting off a torn tail left by a killed writer."""
    fd = open_private(path, os.O_WRONLY | os.O_APPEND)
    try:
        if os.fstat(fd).st_size != valid_end:
            os.ftruncate(fd, valid_end)
        try:
            write_all(fd, line)
            os.fsync(fd)
        except OSError as exc:  # e.g. a full disk: take the line back so no one replays it
            with contextlib.suppress(OSError):
                os.ftruncate(fd, valid_end)
            raise StoreError(
                f"could not write {path}: {exc.strerror}; nothing was committed"
            ) from exc
        return os.fstat(fd)
    finally:
        os.close(fd)


def _read_fd(fd: int, offset: int, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.pread(fd, size, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        size -= len(chunk)
    return b"".join(chunks)
