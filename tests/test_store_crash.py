"""Crash safety and concurrency of the store, with real processes.

Run as a script, this file is also the child: `launcher PATH` forks a writer per
"go" line (so a round costs a fork, not an interpreter start) and reports each
committed revision; `writer PATH PREFIX COUNT` creates COUNT records.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import tinydb

from iamtui.store import Store

KILLS = 220
TABLES = ("a", "b")


def ops_for(revision: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """The changes the writer commits as `revision`: a function of the number alone."""
    rng = random.Random(revision)
    ops: list[tuple[str, str, dict[str, Any] | None]] = []
    for i in range(rng.choice([1, 1, 2, 3, 5, 40])):
        table, key = rng.choice(TABLES), f"k{rng.randrange(30)}"
        if rng.random() < 0.3:
            ops.append((table, key, None))
        else:
            ops.append((table, key, {"rev": revision, "i": i,
                                     "pad": "x" * rng.choice([8, 200, 3000])}))
    return ops


class Model:
    """What the store must hold after each revision, computed independently."""

    def __init__(self) -> None:
        self.revision = 0
        self.tables: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in TABLES}

    def advance(self, revision: int) -> None:
        while self.revision < revision:
            self.revision += 1
            for table, key, record in ops_for(self.revision):
                if record is None:
                    self.tables[table].pop(key, None)
                else:
                    self.tables[table][key] = record

    def meta(self) -> dict[str, Any]:
        return {"last": self.revision} if self.revision else {}


def _worker(path: str) -> None:
    store = Store.open(Path(path), create=True)
    store.compact_min_bytes = 20_000  # compact often, so kills land in compactions too
    store.compact_ratio = 0.5
    while True:
        with store.transaction() as tx:
            revision = tx.revision + 1
            for table, key, record in ops_for(revision):
                if record is None:
                    tx.table(table).delete(key)
                else:
                    tx.table(table).put(key, record)
            tx.meta["last"] = revision
        os.write(1, b"rev %d\n" % revision)  # acknowledged: committed and durable


def _launcher(path: str) -> None:
    for line in sys.stdin:
        if line.strip() != "go":
            return
        # The child starts only once "pid" is out, and every line is one write(2): a
        # print is two writes, and a child's "rev" line could land between them.
        start_read, start_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(start_write)
                os.read(start_read, 1)
                _worker(path)
            finally:
                os._exit(1)
        os.close(start_read)
        os.write(1, b"pid %d\n" % pid)
        with contextlib.suppress(BrokenPipeError):  # the test killed it before it started
            os.write(start_write, b"g")
        os.close(start_write)
        os.waitpid(pid, 0)
        os.write(1, b"dead %d\n" % pid)  # after every line the worker wrote


def _writer(path: str, prefix: str, count: int) -> None:
    store = Store.open(Path(path), create=True)
    store.compact_min_bytes = 8_000  # compactions while the other process writes
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(count):
        with store.transaction() as tx:
            tx.table("items").put(f"{prefix}-{i}", {"by": prefix, "n": i})


def test_sigkill_at_random_moments_leaves_a_committed_state(tmp_path: Path) -> None:
    path = tmp_path / "crash.json"
    rng = random.Random(7)
    launcher = subprocess.Popen(
        [sys.executable, __file__, "launcher", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert launcher.stdin and launcher.stdout
    model = Model()
    acked = 0
    waited = 0  # rounds in which the writer committed at least once before the kill
    try:
        for kill in range(KILLS):
            launcher.stdin.write("go\n")
            launcher.stdin.flush()
            tag, pid_text = launcher.stdout.readline().split()
            assert tag == "pid", (tag, pid_text)
            pid = int(pid_text)
            if rng.random() < 0.75:  # let it commit once (progress whatever the load), then later
                line = launcher.stdout.readline().split()
                assert line[0] == "rev", line
                acked = max(acked, int(line[1]))
                waited += 1
            time.sleep(rng.choice([0, 0.001, rng.uniform(0, 0.02)]))  # kill at a random moment
            os.kill(pid, signal.SIGKILL)
            while (line := launcher.stdout.readline().split())[0] != "dead":
                acked = max(acked, int(line[1]))
            if not path.exists():  # killed before the first file was made
                assert acked == 0
                continue
            with Store.open(path) as store:  # also removes the killed writer's temp files
                snap = store.snapshot()
                assert snap.revision in (acked, acked + 1), (kill, snap.revision, acked)
                model.advance(snap.revision)
                assert {t: dict(snap.table(t).items()) for t in TABLES} == model.tables
                assert snap.meta == model.meta()
            acked = snap.revision
            if kill % 20 == 0:  # the TinyDB file itself stays loadable by plain TinyDB
                plain = tinydb.TinyDB(path, access_mode="r")
                assert plain.table("_meta").get(doc_id=1)["revision"] <= acked
                plain.close()
    finally:
        launcher.stdin.close()
        launcher.wait(timeout=10)
    assert model.revision >= waited > KILLS // 2  # the kills hit a writer that makes progress
    with Store.open(path) as store:
        store.compact()
    plain = tinydb.TinyDB(path, access_mode="r")
    for t in TABLES:
        docs = {d["_key"]: {k: v for k, v in d.items() if k != "_key"} for d in plain.table(t)}
        assert docs == model.tables[t]
    plain.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "race.json"
    writers = [
        subprocess.Popen([sys.executable, __file__, "writer", str(path), prefix, "300"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for prefix in ("p", "q")
    ]
    for w in writers:
        assert w.stdout and w.stdout.readline().strip() == "ready"
    for w in writers:
        assert w.stdin
        w.stdin.write("go\n")
        w.stdin.flush()
    with Store.open(path) as reader:  # meanwhile, every snapshot is a whole revision
        last = 0
        while any(w.poll() is None for w in writers):
            snap = reader.snapshot()
            assert snap.revision >= last
            assert len(snap.table("items")) == snap.revision  # one record per transaction
            last = snap.revision
    for w in writers:
        assert w.wait(timeout=60) == 0
    with Store.open(path) as store:
        snap = store.snapshot()
        items = snap.table("items")
        assert len(items) == 600
        assert snap.revision == 600
        for prefix in ("p", "q"):
            assert all(items.get(f"{prefix}-{i}") == {"by": prefix, "n": i} for i in range(300))


if __name__ == "__main__":
    if sys.argv[1] == "launcher":
        _launcher(sys.argv[2])
    elif sys.argv[1] == "writer":
        _writer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
