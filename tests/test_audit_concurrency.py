"""Two processes appending to one audit log at once interleave whole, chained records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from iamtui.audit import AuditKey, AuditLog

WRITER = r"""
import sys, time
from pathlib import Path
from iamtui.audit import AuditKey, AuditLog, Identity, make_event

log_path, key_path, go, who, n = sys.argv[1:6]
log = AuditLog(Path(log_path), AuditKey.from_key_file(Path(key_path).read_bytes()))
while not Path(go).exists():  # start together so that the appends really overlap
    time.sleep(0.001)
ident = Identity.iam_user("123456789012", who)
for i in range(int(n)):
    log.append(make_event("CreateUser", identity=ident, request_parameters={"i": i}))
"""


def test_two_processes_appending_200_each(tmp_path: Path) -> None:
    log_path, key_path, go = tmp_path / "a.jsonl", tmp_path / "audit.key", tmp_path / "go"
    key_path.write_bytes(AuditKey.generate().key_file())
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(log_path), str(key_path), str(go), who, "200"],
        )
        for who in ("alice", "bob")
    ]
    go.touch()
    for p in procs:
        assert p.wait(timeout=120) == 0
    log = AuditLog(log_path, AuditKey.from_key_file(key_path.read_bytes()))
    result = log.verify()
    assert result.ok, result.summary()
    assert result.records == 400 and result.head.sequence == 400
    records = [orjson.loads(line) for line in log_path.read_bytes().splitlines()]
    assert [r["sequence"] for r in records] == list(range(1, 401))
    for who in ("alice", "bob"):
        mine = [
            r["requestParameters"]["i"] for r in records if r["userIdentity"]["userName"] == who
        ]
        assert mine == list(range(200))
