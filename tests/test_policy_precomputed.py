"""What the engine remembers and indexes (for speed) never changes what it decides.

The engine checks a plain IPv4 address with a regular expression before reaching for
ipaddress, remembers the context entries it has checked (and checks only the new value of
an entry whose name and type it knows), indexes a principal's policies by service prefix
and each policy's statements by action, and decides from each layer's verdict, gathering
the matched statements and missing keys only when they are read. Each shortcut is held
here to the slow path it stands for. The semantics come from the IAM User Guide, "IAM JSON policy
elements: Condition operators" (IP address condition operators) and "Policy evaluation
logic", and from the IAM API Reference, ContextEntry:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html
"""

from __future__ import annotations

import ipaddress
import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtui.errors import InvalidInput
from iamtui.policy import (
    Caller,
    ContextEntry,
    EvalRequest,
    PolicyInput,
    PolicySet,
    RequestContext,
    compile_policy,
    conditions,
    evaluate,
)
from iamtui.policy.conditions import check_ip, compile_condition, ipv4_reader, parse_ip
from iamtui.policy.patterns import RESOURCE, WildcardSet
from iamtui.policy.variables import Literal, Wildcard

ALICE = "arn:aws:iam::111122223333:user/alice"


def entry(values: Any, ctype: str = "string", key: str = "k") -> ContextEntry:
    return ContextEntry.from_aws({"ContextKeyName": key, "ContextKeyValues": values,
                                  "ContextKeyType": ctype})


# ---------------------------------------------------------------------------- IP addresses

_OCTETS = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "007", "", "-1",
                                                                  "1a", "٣", "²", " 1", "1 "]))


class TestIpCheck:
    """check_ip takes exactly the text parse_ip (ipaddress.ip_network) takes."""

    @given(st.lists(_OCTETS, min_size=1, max_size=6).map(".".join))
    @settings(max_examples=400, deadline=None)
    def test_dotted_text(self, text: str) -> None:
        assert (check_ip(text) is None) == (parse_ip(text) is None), text

    @given(st.text(alphabet="0123456789./:abcdef%x ", max_size=24))
    @settings(max_examples=300, deadline=None)
    def test_any_address_like_text(self, text: str) -> None:
        assert (check_ip(text) is None) == (parse_ip(text) is None), text

    @pytest.mark.parametrize("text", ["10.1.2.3", "0.0.0.0", "255.255.255.255",
                                      "10.0.0.0/8", "2001:db8::1", "192.168.1.7/32"])
    def test_addresses_and_blocks(self, text: str) -> None:
        assert check_ip(text) == text
        assert parse_ip(text) == ipaddress.ip_network(text, strict=False)

    @pytest.mark.parametrize("text", ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5",
                                      "1.2.3.4\n", "１.2.3.4", "10.0.0.0/33", ""])
    def test_not_addresses(self, text: str) -> None:
        assert check_ip(text) is None
        with pytest.raises(InvalidInput):
            entry([text], "ip", key="aws:SourceIp")


def _as_ipaddress_reads(text: str) -> bytes | None:
    try:
        return ipaddress.IPv4Address(text).packed
    except ValueError:
        return None


class TestPlainIpv4:
    """A new source address is read by the C library's inet_pton where that takes exactly
    what ipaddress takes, else by a regular expression: either way as ipaddress reads it."""

    @given(st.one_of(st.lists(_OCTETS, min_size=1, max_size=6).map(".".join),
                     st.text(alphabet="0123456789./x \0\n+-", max_size=18)))
    @settings(max_examples=400, deadline=None)
    def test_both_readers_read_as_ipaddress_does(self, text: str) -> None:
        assert ipv4_reader()(text) == _as_ipaddress_reads(text), text
        assert conditions._ipv4_by_regex(text) == _as_ipaddress_reads(text), text

    def test_an_inet_pton_that_reads_more_is_not_used(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        import _socket

        def lenient(family: int, text: str) -> bytes:  # as inet_aton: "1.2.3" is 1.2.0.3
            return bytes(4)

        monkeypatch.setattr(_socket, "inet_pton", lenient)
        ipv4_reader.cache_clear()
        try:
            assert ipv4_reader() is conditions._ipv4_by_regex
            assert ipv4_reader()("1.2.3") is None
        finally:
            monkeypatch.undo()
            ipv4_reader.cache_clear()
        if sys.platform.startswith("linux"):  # glibc's inet_pton takes dotted quads only
            assert ipv4_reader() is not conditions._ipv4_by_regex


_ADDRESSES = st.one_of(
    st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))),
    st.sampled_from(["10.0.0.0/8", "10.1.2.3/32", "2001:db8::1", "::ffff:10.0.0.1", "0.0.0.0"]))
_BLOCKS = st.one_of(
    st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)).map(
        lambda p: str(ipaddress.IPv4Network((p[0], p[1]), strict=False))),
    st.sampled_from(["10.0.0.0/8", "10.1.2.3", "0.0.0.0/0", "2001:db8::/32",
                     "::ffff:0:0/96", "192.168.1.0/24"]))


class TestIpConditions:
    """IpAddress and NotIpAddress decide as ipaddress's subnet test says, whatever shortcut
    a plain IPv4 address takes ("IP address condition operators")."""

    @given(st.lists(_BLOCKS, min_size=1, max_size=3), _ADDRESSES)
    @settings(max_examples=400, deadline=None)
    def test_as_ipaddress_says(self, blocks: list[str], address: str) -> None:
        ctx = RequestContext.from_aws([{"ContextKeyName": "aws:SourceIp",
                                        "ContextKeyValues": [address], "ContextKeyType": "ip"}])
        got = ipaddress.ip_network(address, strict=False)
        inside = any(got.version == n.version and got.subnet_of(n)  # type: ignore[arg-type]
                     for n in (ipaddress.ip_network(b, strict=False) for b in blocks))
        for _ in range(2):  # the second time, the address's number is remembered
            assert compile_condition("IpAddress", "aws:SourceIp", blocks).holds(ctx) == inside
            assert compile_condition("NotIpAddress", "aws:SourceIp",
                                     blocks).holds(ctx) == (not inside)


# ---------------------------------------------------------------------------- context entries


class TestCheckedEntries:
    """ContextEntry.from_aws remembers entries it has checked; what it gives back and
    what it refuses stay those of a first check."""

    def test_json_scalars_stay_apart(self) -> None:
        # 1 == True in Python, but a number and a boolean read as different text
        assert entry([1], "numeric").values == ("1",)
        assert entry([True], "boolean").values == ("true",)
        assert entry([True], "string").values == ("true",)
        assert entry([1], "string").values == ("1",)
        assert entry(["1"], "string").values == ("1",)
        assert entry([1.0], "string").values == ("1.0",)

    def test_a_refused_entry_is_refused_every_time(self) -> None:
        for _ in range(3):
            with pytest.raises(InvalidInput):
                entry(["not-an-address"], "ip")
            with pytest.raises(InvalidInput):
                entry(["a", "b"], "string")

    def test_values_must_be_a_list_even_after_the_list_was_seen(self) -> None:
        assert entry(["a", "b", "c"], "stringList").values == ("a", "b", "c")
        with pytest.raises(InvalidInput):
            entry("abc", "stringList")
        with pytest.raises(InvalidInput):
            entry(("a", "b", "c"), "stringList")

    def test_unhashable_values_are_still_checked(self) -> None:
        got = entry([["x"]], "string")  # read as text, as before
        assert got.values == ("['x']",)
        with pytest.raises(InvalidInput):
            entry([["x"], "y"], "string")

    def test_type_names_and_defaults(self) -> None:
        assert entry(["a"], "STRING").type == "string"
        assert ContextEntry.from_aws({"ContextKeyName": "k"}) == ContextEntry("k", (), "string")
        with pytest.raises(InvalidInput):
            entry(["a"], "text")

    def test_a_context_from_aws_entries(self) -> None:
        ctx = RequestContext.from_aws([
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.2.3"],
             "ContextKeyType": "ip"},
            {"ContextKeyName": "AWS:UserName", "ContextKeyValues": ["alice"],
             "ContextKeyType": "string"}])
        assert ctx.get("aws:username") == ContextEntry("AWS:UserName", ("alice",), "string")
        assert "aws:sourceip" in ctx
        with pytest.raises(InvalidInput):
            RequestContext.from_aws([{"ContextKeyName": "", "ContextKeyValues": []}])


# ---------------------------------------------------------------------------- tokens


def test_a_literal_star_is_no_wildcard() -> None:
    """`${*}` is the character `*`: as a token it must not equal (nor hash as) a wildcard."""
    assert Literal("*") != Wildcard("*") and hash(Literal("*")) != hash(Wildcard("*"))
    assert Literal("*") == Literal("*") and {Literal("a"), Literal("a")} == {Literal("a")}
    literal_star = WildcardSet(("arn:aws:s3:::b/${*}",), mode=RESOURCE, variables=True)
    assert literal_star.matches("arn:aws:s3:::b/*") and not literal_star.matches("arn:aws:s3:::b/x")
    only_star = WildcardSet(("${*}",), mode=RESOURCE, variables=True)
    assert only_star.matches("*") and not only_star.matches("anything")


# ---------------------------------------------------------------------------- templates

_KEYS = ["aws:username", "aws:PrincipalTag/team", "s3:prefix"]


@st.composite
def _exact_templates(draw: st.DrawFn) -> tuple[str, str, dict[str, str], str]:
    """(a pattern with 1-3 variables and no wildcard, the text it stands for once each
    variable takes its value, those values, a text to match: that one, or one near it)."""
    texts = st.text(alphabet="ab:/.$-", max_size=6)
    keys = draw(st.lists(st.sampled_from(_KEYS), min_size=1, max_size=3))
    values = {k.lower(): draw(st.text(alphabet="ab:*?/.$", max_size=4)) for k in keys}
    pieces = [draw(texts) for _ in range(len(keys) + 1)]
    pieces[0] = draw(st.sampled_from(["", "arn:aws:s3:::", "arn:aws:iam::1:user/"])) + pieces[0]
    pattern = pieces[0] + "".join("${" + k + "}" + piece
                                  for k, piece in zip(keys, pieces[1:], strict=True))
    resolved = pieces[0] + "".join(values[k.lower()] + piece
                                   for k, piece in zip(keys, pieces[1:], strict=True))
    near = draw(st.sampled_from([resolved, resolved + "a", resolved[:-1], "a" + resolved,
                                 resolved.replace("a", "b", 1), draw(texts)]))
    return pattern, resolved, values, near


@given(_exact_templates(), st.sampled_from([RESOURCE, "glob"]))
@settings(max_examples=400, deadline=None)
def test_a_template_without_wildcards_matches_its_resolved_text_only(
        case: tuple[str, str, dict[str, str], str], mode: str) -> None:
    """Without a wildcard a pattern's variables are its only unknowns: it matches exactly
    the text with each variable replaced by its value, whose characters are literal (IAM
    User Guide, "IAM policy elements: Variables and tags"). The engine compares the joined
    text instead of searching with the pieces' expressions; both must agree."""
    pattern, resolved, values, text = case
    source = RequestContext([ContextEntry(k, (v,)) for k, v in values.items()])
    matcher = WildcardSet((pattern,), mode=mode, variables=True)
    assert matcher.matches(text, source) == (text == resolved)
    assert matcher._templates[0]._texts is not None  # the comparison, not the search
    # a variable the request lacks (and that has no default) matches nothing
    assert not matcher.matches(resolved, RequestContext())


# ---------------------------------------------------------------------------- indexes

_ACTIONS = ["s3:GetObject", "S3:getobject", "s3:PutObject", "ec2:StartInstances",
            "iam:GetUser", "sts:AssumeRole", "*", "s3", "kms:Decrypt"]
_PATTERNS = ["s3:Get*", "s3:*", "S3:PUT*", "ec2:Start*", "*", "*:Get*", "s?:GetObject",
             "iam:GetUser", "kms:*"]


@st.composite
def _policies(draw: st.DrawFn) -> list[PolicyInput]:
    out = []
    for n in range(draw(st.integers(1, 4))):
        statements = []
        for _ in range(draw(st.integers(1, 3))):
            element = draw(st.sampled_from(["Action", "Action", "NotAction"]))
            statement: dict[str, Any] = {
                "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
                element: draw(st.lists(st.sampled_from(_PATTERNS), min_size=1, max_size=3)),
                "Resource": draw(st.sampled_from(["*", "arn:aws:s3:::b/*",
                                                  "arn:aws:s3:::b/${aws:username}/*"]))}
            if draw(st.booleans()):
                statement["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": "red"}}
            statements.append(statement)
        text = json.dumps({"Version": "2012-10-17", "Statement": statements})
        out.append(PolicyInput(compile_policy(text), f"p{n}"))
    return out


def _summary(request: EvalRequest, identity: Any, boundaries: Any) -> tuple[Any, ...]:
    result = evaluate(request, identity, boundaries=boundaries)
    return (result.decision, result.decided_by, result.missing_context,
            [(m.source.source_id, m.statement.statement.index, m.layer) for m in result.matched])


class TestIndexes:
    """A PolicySet kept across requests (indexed by service, each policy by action)
    decides as policies passed afresh do, for any action, listed in the same order."""

    @given(_policies(), _policies(), st.lists(st.sampled_from(_ACTIONS), min_size=1,
                                               max_size=8),
           st.sampled_from(["arn:aws:s3:::b/alice/k", "arn:aws:s3:::b/k", "*"]),
           st.booleans())
    @settings(max_examples=150, deadline=None)
    def test_kept_sets_decide_as_fresh_lists(self, identity: list[PolicyInput],
                                             boundary: list[PolicyInput], actions: list[str],
                                             resource: str, bounded: bool) -> None:
        kept, kept_boundary = PolicySet(identity), PolicySet(boundary if bounded else ())
        ctx = RequestContext([ContextEntry("aws:username", ("alice",))])
        for action in actions:
            request = EvalRequest(action, resource, ctx, Caller.from_arn(ALICE))
            assert _summary(request, kept, kept_boundary) == _summary(
                request, list(identity), list(boundary) if bounded else [])

    @pytest.mark.parametrize(("element", "pattern", "allowed"), [
        ("NotAction", "iam:*", {"s3:GetObject", "kms:Decrypt", "*"}),
        ("Action", "*", {"iam:GetUser", "s3:GetObject", "kms:Decrypt", "*"}),
        ("Action", "*:GetObject", {"s3:GetObject"}),
        ("Action", "s?:GetObject", {"s3:GetObject"}),
        ("Action", "S3:get*", {"s3:GetObject"}),
    ])
    def test_a_policy_for_any_service_is_never_left_out(self, element: str, pattern: str,
                                                        allowed: set[str]) -> None:
        # NotAction, "*" and a wildcard in the service prefix may cover any service
        policy = PolicyInput(compile_policy(json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", element: pattern, "Resource": "*"}]})), "p")
        kept = PolicySet([policy])
        for action in ("iam:GetUser", "s3:GetObject", "kms:Decrypt", "*", "s3:GetObject"):
            request = EvalRequest(action, "*", RequestContext(), Caller.from_arn(ALICE))
            expected = "allowed" if action in allowed else "implicitDeny"
            assert evaluate(request, kept).decision == expected, action
            assert evaluate(request, [policy]).decision == expected, action


# ---------------------------------------------------------------------------- fast decisions

_OWNERS = [None, "111122223333", "444455556666"]


def _everything(result: Any) -> tuple[Any, ...]:
    """Every field of a result, and its AWS shape (which reads the lazily gathered detail)."""
    return (result.decision, result.decided_by, result.allowed_by_boundary,
            result.cross_account, result.missing_context, result.inputs,
            [(m.source.source_id, m.statement.statement.index, m.layer, m.principal)
             for m in result.matched], result.to_aws())


class TestFastDecisions:
    """evaluate decides from each layer's verdict (denies first, the first applying statement
    enough) and gathers matched statements and missing keys only when read: every field is
    the one the full path (every statement tested, every match kept) gives."""

    @given(_policies(), _policies(), st.lists(st.sampled_from(_ACTIONS), min_size=1,
                                               max_size=6),
           st.sampled_from(["arn:aws:s3:::b/alice/k", "arn:aws:s3:::b/k", "*",
                            "arn:aws:s3:us-east-1:444455556666:b/alice/x"]),
           st.booleans(), st.sampled_from(_OWNERS),
           st.sampled_from([(), ("red",), ("blue",)]))
    @settings(max_examples=200, deadline=None)
    def test_every_field_as_the_full_path_gives_it(
            self, identity: list[PolicyInput], boundary: list[PolicyInput],
            actions: list[str], resource: str, bounded: bool, owner: str | None,
            team: tuple[str, ...]) -> None:
        from iamtui.policy.evaluate import _explained

        kept, kept_boundary = PolicySet(identity), PolicySet(boundary if bounded else ())
        entries = [ContextEntry("aws:username", ("alice",))]
        if team:
            entries.append(ContextEntry("aws:PrincipalTag/team", team))
        ctx = RequestContext(entries)
        for action in actions:
            request = EvalRequest(action, resource, ctx, Caller.from_arn(ALICE), owner)
            fast = evaluate(request, kept, boundaries=kept_boundary)
            full = _explained(request, PolicySet(identity),
                              PolicySet(boundary if bounded else ()), None)
            assert _everything(fast) == _everything(full)
            assert fast == full

    def test_a_deny_anywhere_in_the_set_still_decides(self) -> None:
        # the verdict stops at the first applying Allow of a policy: a Deny in a later
        # policy (or later in the same one) must still be seen
        allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
        deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
        for statements in ([[allow], [deny]], [[allow, deny]], [[deny], [allow]]):
            kept = PolicySet(PolicyInput(compile_policy(json.dumps(
                {"Version": "2012-10-17", "Statement": sts})), f"p{k}")
                for k, sts in enumerate(statements))
            request = EvalRequest("S3:GetObject", "*", RequestContext(), Caller.from_arn(ALICE))
            result = evaluate(request, kept)
            assert result.decision == "explicitDeny"
            assert [m.statement.is_deny for m in result.matched] == [True]


# ---------------------------------------------------------------------------- remembered contexts

_VALUES = st.one_of(st.text(max_size=6), st.sampled_from(["10.0.0.1", "true", "1", "x", "ü",
                                                          "10.0.0.256", "2001:db8::1"]),
                    st.integers(0, 2), st.booleans(), st.just(1.0), st.none(),
                    st.lists(st.just("x"), max_size=1))
_ENTRIES = st.one_of(
    st.fixed_dictionaries({
        "ContextKeyName": st.sampled_from(["k", "K", "aws:SourceIp", "", 5, ["k"], "ké"]),
        "ContextKeyValues": st.one_of(st.lists(_VALUES, max_size=3), st.just("abc"),
                                      st.just(("a",))),
        "ContextKeyType": st.sampled_from(["string", "STRING", "stringList", "ip",
                                           "boolean", "numeric", "ipList", "text", 1])}),
    st.fixed_dictionaries({"ContextKeyName": st.just("k")},
                          optional={"ContextKeyValues": st.lists(st.just("v"), max_size=2),
                                    "ContextKeyType": st.just("stringList")}),
    st.sampled_from(["not an entry", ["k"], None]))


def _checked_afresh(item: Any) -> tuple[str, ContextEntry] | str:
    """The slow path: every part read and checked, nothing remembered (or the refusal)."""
    from iamtui.policy.conditions import check_entry

    try:
        key = item["ContextKeyName"]
        values, ctype = item.get("ContextKeyValues", []), item.get("ContextKeyType", "string")
    except (TypeError, KeyError, AttributeError):
        return "refused"
    if not isinstance(key, str) or not key or not isinstance(values, list):
        return "refused"
    try:
        return key.lower(), check_entry(key, ctype, values)
    except InvalidInput:
        return "refused"


class TestRememberedContexts:
    """RequestContext.from_aws finds an entry met before by its parts, and checks only the
    value of a new single-valued entry whose name and type it has met: what it builds, and
    what it refuses, are what a first check gives, however often the entry comes back."""

    @given(st.lists(_ENTRIES, max_size=6))
    @settings(max_examples=400, deadline=None)
    def test_as_checked_afresh(self, items: list[Any]) -> None:
        expected = [_checked_afresh(item) for item in items]
        for _ in range(2):  # the second time, what is remembered answers
            if "refused" in expected:
                with pytest.raises(InvalidInput):
                    RequestContext.from_aws(items)
                continue
            ctx = RequestContext.from_aws(items)
            # ContextEntry.from_aws reads an entry as the context does
            assert [ContextEntry.from_aws(item) for item in items] == [
                entry for _, entry in expected]  # type: ignore[misc]
            by_key = dict(expected)  # type: ignore[arg-type]
            assert ctx.entries() == list(by_key.values())
            for lower, entry in by_key.items():
                assert ctx.get(lower) == entry

    def test_an_address_the_ipv4_pattern_does_not_take_is_checked_in_full(self) -> None:
        """IAM User Guide, "IAM JSON policy elements: Condition operators" (IP address
        condition operators): IPv6 addresses and CIDR blocks are addresses too, after an
        IPv4 address of the same key; what no parser takes is refused."""
        def item(value: str) -> dict[str, Any]:
            return {"ContextKeyName": "shape:address", "ContextKeyValues": [value],
                    "ContextKeyType": "ip"}

        for value in ("10.0.0.1", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32"):
            assert RequestContext.from_aws([item(value)]).entries() == [
                ContextEntry("shape:address", (value,), "ip")]
        for bad in ("10.0.0.256", "2001:db8::g", "010.0.0.1", ""):
            with pytest.raises(InvalidInput):
                RequestContext.from_aws([item(bad)])

    def test_text_remembered_is_not_found_for_other_scalars(self) -> None:
        def ctx_values(value: Any, ctype: str) -> tuple[str, ...]:
            got = RequestContext.from_aws([{"ContextKeyName": "k", "ContextKeyValues": [value],
                                            "ContextKeyType": ctype}]).get("k")
            assert got is not None
            return got.values

        assert ctx_values("1", "string") == ("1",)
        assert ctx_values(1.0, "string") == ("1.0",)  # 1.0 == 1 but reads "1.0"
        assert ctx_values("true", "boolean") == ("true",)
        assert ctx_values(True, "string") == ("true",)
        assert ctx_values(1, "numeric") == ("1",)
        with pytest.raises(InvalidInput):  # True == 1, but reads "true": no number
            ctx_values(True, "numeric")

    @pytest.mark.parametrize(("ctype", "good", "bad"), [
        ("ip", "10.0.0.1", "10.0.0.256"), ("boolean", "true", "yes"), ("numeric", "1", "one"),
        ("date", "2024-01-01", "soon"), ("string", "a", "\ud800"), ("stringList", "a", "\udfff")])
    def test_a_new_value_of_a_known_name_and_type_is_checked(self, ctype: str, good: str,
                                                             bad: str) -> None:
        def item(value: str) -> dict[str, Any]:
            return {"ContextKeyName": f"shape:{ctype}", "ContextKeyValues": [value],
                    "ContextKeyType": ctype}

        for _ in range(2):  # the second time, the name and type are known
            assert RequestContext.from_aws([item(good)]).entries() == [
                ContextEntry(f"shape:{ctype}", (good,), ctype)]
            with pytest.raises(InvalidInput):
                RequestContext.from_aws([item(bad)])


    def test_a_name_met_with_another_type_is_read_as_that_type(self) -> None:
        """A value remembered under one type is not taken for another: "yes" is a string,
        not a boolean, however often it came as a string first."""
        def entries(value: str, ctype: str) -> list[ContextEntry]:
            return RequestContext.from_aws([{"ContextKeyName": "shape:mixed",
                                             "ContextKeyValues": [value],
                                             "ContextKeyType": ctype}]).entries()

        for _ in range(2):
            assert entries("yes", "string") == [ContextEntry("shape:mixed", ("yes",), "string")]
            assert entries("true", "string") == [
                ContextEntry("shape:mixed", ("true",), "string")]
            assert entries("true", "boolean") == [
                ContextEntry("shape:mixed", ("true",), "boolean")]
            with pytest.raises(InvalidInput):
                entries("yes", "boolean")

    def test_what_is_remembered_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Endless distinct names and values (a caller may send any) cost bounded memory,
        and an entry checked after the tables were emptied is what it was before."""
        monkeypatch.setattr(conditions, "_SEEN_LIMIT", 50)
        monkeypatch.setattr(conditions, "_SEEN", {})
        monkeypatch.setattr(conditions, "_kept", 0)

        def context(name: str, value: str, ctype: str = "string") -> list[ContextEntry]:
            return RequestContext.from_aws([{"ContextKeyName": name, "ContextKeyValues": [value],
                                             "ContextKeyType": ctype}]).entries()

        for n in range(400):
            name = f"k{n % 7}"
            assert context(name, f"v{n}") == [ContextEntry(name, (f"v{n}",), "string")]
            assert context("aws:SourceIp", f"10.0.{n // 250}.{n % 250}", "ip") == [
                ContextEntry("aws:SourceIp", (f"10.0.{n // 250}.{n % 250}",), "ip")]
            kept = len(conditions._SEEN) + sum(map(len, conditions._SEEN.values()))
            assert kept <= 51  # a new name's table and its first entry are kept together
        assert not conditions._SEEN["aws:SourceIp"]  # addresses are checked, never kept
        with pytest.raises(InvalidInput):
            context("aws:SourceIp", "10.0.0.256", "ip")


class TestRememberedCallers:
    """Caller.from_arn remembers the callers it has read: what it remembers is what a fresh
    reading of the ARN gives, and it keeps no more than its bound."""

    @pytest.mark.parametrize("text", [
        ALICE, "arn:aws:iam::111122223333:root", "111122223333",
        "arn:aws:sts::111122223333:assumed-role/ops/session", "s3.amazonaws.com",
        "arn:aws:sts::111122223333:federated-user/bob", "not an arn"])
    def test_as_read_afresh(self, text: str) -> None:
        first = Caller.from_arn(text)
        assert first == Caller._parse(text)
        assert Caller.from_arn(text) is first

    def test_bounded(self) -> None:
        from iamtui.policy.compiled import _CALLERS

        for n in range(5000):
            caller = Caller.from_arn(f"arn:aws:iam::111122223333:user/u{n}")
            assert caller.arn.endswith(f"/u{n}") and caller.kind == "user"
        assert len(_CALLERS) <= 4096

    def test_an_unhashable_name_is_refused(self) -> None:
        with pytest.raises(TypeError):
            Caller.from_arn(["arn:aws:iam::111122223333:user/alice"])  # type: ignore[arg-type]
