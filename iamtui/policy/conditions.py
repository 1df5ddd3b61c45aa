"""The Condition element: the request context, and one small matcher per operator family.

IAM User Guide, "IAM JSON policy elements: Condition operators":
- a key the request lacks matches nothing, so a condition on it is false; a negated
  operator (`StringNotEquals`, `NotIpAddress`, ...) is then true. `...IfExists` is true
  when the key is missing, and `Null` tests presence itself;
- several values for one key are ORed; a negated operator's values are NORed
  ("none of these"). "Conditions with multiple context keys or values": several keys
  and several operators are ANDed;
- `ForAllValues:` is true when every request value matches (and when the key is
  missing or empty); `ForAnyValue:` when at least one does (false when missing).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from iamtui.arn import escape_surrogates, lone_surrogate
from iamtui.errors import InvalidInput
from iamtui.policy.patterns import ARN, GLOB, WildcardSet
from iamtui.policy.variables import Literal, has_variables, resolve, tokenize, variables_in

if TYPE_CHECKING:
    import ipaddress

# ---------------------------------------------------------------------------- context

CONTEXT_TYPES = ("string", "numeric", "boolean", "date", "ip", "binary")
_ALL_TYPES = {t: t for t in CONTEXT_TYPES} | {t + "List": t for t in CONTEXT_TYPES}
_ALL_TYPES_LOWER = {k.lower(): k for k in _ALL_TYPES}


class ContextEntry(NamedTuple):
    """One key of the request context, as AWS's `ContextEntry` gives it."""

    key: str
    values: tuple[str, ...]
    type: str = "string"  # string, stringList, numeric, ..., dateList

    @property
    def is_list(self) -> bool:
        return self.type.endswith("List")

    @classmethod
    def from_aws(cls, entry: dict) -> ContextEntry:
        """Build from `{"ContextKeyName", "ContextKeyValues", "ContextKeyType"}`; checks values.

        An entry met before is not checked again: a caller's entries repeat from request
        to request (who it is, its tags, the transport), and a checked entry never changes.
        """
        # RequestContext.from_aws is the one reading of an AWS entry: a context of one
        return next(iter(RequestContext.from_aws((entry,))._entries.values()))


def check_entry(key: str, ctype: object, values: list[object]) -> ContextEntry:
    """A context entry from its parts, checked: the type one AWS knows, one value unless a
    list type, each value valid for the type, no lone surrogate (see ContextEntry.from_aws)."""
    return _checked(key, ctype, tuple(map(_policy_string, values)))


def _checked(key: str, ctype: object, strings: tuple[str, ...]) -> ContextEntry:
    """check_entry once the values read as text."""
    canonical = _ALL_TYPES_LOWER.get(str(ctype).lower())
    if canonical is None:
        raise InvalidInput(f"ContextKeyType {ctype!r} is not one of: " + ", ".join(_ALL_TYPES))
    for text in (key, *strings):
        if text.isascii():  # only non-ASCII text can hold a surrogate
            continue
        surrogate = lone_surrogate(text)
        if surrogate is not None:  # no UTF-8 request carries one (see lone_surrogate)
            raise InvalidInput(f"Context key {escape_surrogates(key)} is not valid: a lone "
                               f"surrogate ({surrogate}) is not a Unicode character")
    if len(strings) > 1 and not canonical.endswith("List"):
        raise InvalidInput(f"Context key {key} of type {canonical} takes one value; "
                           f"use {canonical}List for several")
    base = _ALL_TYPES[canonical]
    if base != "string":  # any text is a string
        check = _CHECKS.get(base) or _PARSERS[base]
        for v in strings:
            if check(v) is None:
                raise InvalidInput(f"Value {v!r} of context key {key} is not a valid {base}")
    return ContextEntry(key, strings, canonical)


# Entries checked before, found again by their parts. A caller's entries repeat from
# request to request (who it is, its tags, the transport): `_SEEN` finds a name's table,
# which holds the type the name first came with (as AWS gave it) and the name lower-cased,
# and finds an entry by its value (a single value, else the tuple of them): two subscripts
# and a comparison of the type, no key to build and hash, a value often the very object
# met before, and nothing read from the entry found (on the hot path, every object read
# is a likely cache miss). A single value not met before is checked alone by its name's
# table (_Values.__missing__), which knows the check its type needs: a new source address
# costs that check, not a whole entry's.
# A name almost always comes with one type: an entry of another type is checked whole.
# Kept only for names, types and values all `str`, so a look-up finds only text equal to
# text: 1 == True == 1.0 as keys, but they read as different values ("1", "true", "1.0"),
# and no other JSON value equals a string.
# Not kept: addresses, times and numbers (aws:SourceIp, aws:CurrentTime, aws:EpochTime,
# aws:MultiFactorAuthAge) change from request to request, and every entry kept costs each
# later full garbage collection a visit; checking them again costs less.
_SEEN_LIMIT = 65536  # names and entries kept, all told: past it, start again
_kept = 0
_CHANGING = frozenset({"ip", "ipList", "date", "dateList", "numeric", "numericList"})
_new_entry = tuple.__new__  # a named tuple's own __new__ is a Python call: not on the hot path


class _Values(dict[object, "ContextEntry | None"]):
    """One context key name's checked entries by value, under the type the name first came
    with: what that type says about a new value (its check, whether entries are kept)."""

    __slots__ = ("check", "given", "keep", "lower", "name", "quick", "type")

    def __init__(self, name: str, given: str, canonical: str) -> None:
        super().__init__()
        base = _ALL_TYPES[canonical]
        self.name, self.lower, self.given, self.type = name, name.lower(), given, canonical
        self.check = None if base == "string" else _CHECKS.get(base) or _PARSERS[base]
        # passes the usual value in less time (an address: ipv4_reader); one it refuses
        # goes to `check`
        self.quick = ipv4_reader() if base == "ip" else self.check
        self.keep = canonical not in _CHANGING

    def __missing__(self, value: object) -> ContextEntry | None:
        """A single value not met with this name: checked alone if it is ASCII text (no
        surrogate to look for), as the name's type; kept, unless that type changes from
        request to request. None leaves anything else to the full check."""
        if value.__class__ is not str or not value.isascii():  # type: ignore[attr-defined]
            return None
        quick = self.quick
        if quick is not None and quick(value) is None and self.check(value) is None:  # type: ignore[misc, arg-type]
            return None
        entry: ContextEntry = _new_entry(ContextEntry, (self.name, (value,), self.type))
        if self.keep:
            if _kept >= _SEEN_LIMIT:
                _make_room()
            else:
                _keep(self, value, entry)
        return entry


_SEEN: dict[object, _Values] = {}


def _keep(table: dict, key: object, value: object) -> None:
    """table[key] = value, counted against _SEEN_LIMIT (names and entries, all told)."""
    global _kept
    table[key] = value
    _kept += 1


def _make_room() -> None:
    """Forget every name and entry once _SEEN_LIMIT are kept."""
    global _kept
    if _kept >= _SEEN_LIMIT:  # bound memory against endless distinct names and values
        _SEEN.clear()
        _kept = 0


def _check_aws(item: object) -> tuple[str, ContextEntry]:
    """Check an AWS ContextEntry (refused with InvalidInput), and remember it if `_SEEN`
    can: name, type and values all `str`, the name ASCII, the type the name's first."""
    try:
        key = item["ContextKeyName"]  # type: ignore[index]
        values = item.get("ContextKeyValues", [])  # type: ignore[attr-defined]
        ctype = item.get("ContextKeyType", "string")  # type: ignore[attr-defined]
    except (TypeError, KeyError):
        raise InvalidInput("Each context entry needs ContextKeyName, ContextKeyValues "
                           "and ContextKeyType") from None
    if not isinstance(key, str) or not key or not isinstance(values, list):
        raise InvalidInput("ContextKeyName must be a non-empty string and "
                           "ContextKeyValues a list of strings")
    if not (key.__class__ is str and ctype.__class__ is str and key.isascii()
            and all(v.__class__ is str for v in values)):
        return key.lower(), check_entry(key, ctype, values)
    entry = _checked(key, ctype, tuple(values))
    _make_room()
    table = _SEEN.get(key)
    if table is None:
        table = _Values(key, ctype, entry.type)
        _keep(_SEEN, key, table)
    if table.keep and ctype == table.given:
        _keep(table, values[0] if len(values) == 1 else entry.values, entry)
    return table.lower, entry


class RequestContext:
    """The request's context keys, looked up case-insensitively; nothing is inferred."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[ContextEntry] = ()) -> None:
        self._entries = {e.key.lower(): e for e in entries}

    @classmethod
    def from_aws(cls, entries: Iterable[object]) -> RequestContext:
        """The context of AWS `ContextEntry` values (the API's ContextEntries, the CLI's
        `--context-entries`), each checked as `ContextEntry.from_aws` checks it.

        An entry met before in the same shape (all three members, values a list, every
        part a string) is found by its parts, already checked, with its key lower-cased;
        a new value of a known name and type has only that value checked; any other entry
        is checked whole."""
        by_key: dict[str, ContextEntry] = {}
        seen_by_name = _SEEN
        for item in entries:  # runs for every request: each step inlined
            try:
                values = item["ContextKeyValues"]  # type: ignore[index]
                if values.__class__ is list:
                    # the name's table (a name not met raises KeyError), the type it came
                    # with, then the value: an entry met before, or a new single value
                    # checked alone (_Values.__missing__; None when it cannot tell)
                    table = seen_by_name[item["ContextKeyName"]]  # type: ignore[index]
                    ctype = item["ContextKeyType"]  # type: ignore[index]
                    if ctype is table.given or ctype == table.given:
                        entry = (table[values[0]] if len(values) == 1
                                 else table.get(tuple(values)))
                        if entry is not None:
                            by_key[table.lower] = entry
                            continue
            except (TypeError, KeyError):  # not a mapping, a member missing, a part unhashable
                pass
            # a new or unusual entry: checked whole (and refused, if bad)
            lower, entry = _check_aws(item)
            by_key[lower] = entry
        context = cls.__new__(cls)
        context._entries = by_key
        return context

    def get(self, key_lower: str) -> ContextEntry | None:
        return self._entries.get(key_lower)

    def __contains__(self, key: str) -> bool:
        return key.lower() in self._entries

    def entries(self) -> list[ContextEntry]:
        return list(self._entries.values())

    def variable_value(self, key_lower: str) -> str | None:
        """A single value for a policy variable; multivalued keys cannot be variables."""
        entry = self._entries.get(key_lower)
        # ContextEntry.is_list without its Python-level call: a template's variable is read
        # on every request its statement meets
        if entry is None or len(entry.values) != 1 or entry.type.endswith("List"):
            return None
        return entry.values[0]


EMPTY_CONTEXT = RequestContext()


def _policy_string(value: object) -> str:
    """How a JSON scalar in a policy reads as a condition value (`true` -> "true")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------------- value parsers


def parse_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


_EPOCH = re.compile(r"-?[0-9]+")


def parse_date(text: str) -> float | None:
    """ISO 8601 (date, or date and time with an offset or Z) or epoch seconds -> epoch."""
    if _EPOCH.fullmatch(text):  # ASCII digits only: str.isdigit() also accepts "²"
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_bool(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered == "true" else False if lowered == "false" else None


@lru_cache(maxsize=1024)
def parse_ip(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """An address or CIDR block as a network (an address is a /32 or /128); None if neither.
    Remembered: a request's address is read by each IpAddress condition it meets."""
    import ipaddress  # here: a command that reads no address does not pay for the module

    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


# An IPv4 address as ipaddress accepts it: four decimal octets up to 255, no leading zero.
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4_ADDRESS = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def check_ip(text: str) -> str | None:
    """`text` if parse_ip takes it, else None: a plain IPv4 address is recognized without
    building its network (a request's context is checked whole, its address used rarely)."""
    if ipv4_reader()(text) is not None:
        return text
    return None if parse_ip(text) is None else text


@lru_cache(maxsize=1024)
def ipv4_number(text: str) -> int | None:
    """A plain IPv4 address (no block, no IPv6) as its 32-bit number; None for other text.
    Remembered as parse_ip is: a request's address is read by each condition it meets."""
    packed = ipv4_reader()(text)
    return None if packed is None else int.from_bytes(packed, "big")


def _ipv4_by_regex(text: str) -> bytes | None:
    """The four bytes of a dotted-quad IPv4 address as ipaddress reads it; None otherwise."""
    if _IPV4_ADDRESS.fullmatch(text) is None:
        return None
    return bytes(map(int, text.split(".")))


# Text on which address parsers part ways: leading zeros (octal to some), short and hex
# forms (inet_aton's), signs, spaces, non-ASCII digits, a NUL, a block.
_DISPUTED = ("1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3.256", "01.2.3.4",
             "1.2.3.04", "0.0.0.00", "0x1.2.3.4", "1.2.3", "1.2", "16909060", "1.2.3.4.5",
             "1..2.3", "1.2.3.", ".1.2.3", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "+1.2.3.4",
             "1.2.3.-4", "1.2.3.4/32", "\u0661.2.3.4", "1.2.3.4\x00", "")


@lru_cache(maxsize=1)
def ipv4_reader() -> Callable[[str], bytes | None]:
    """How to read a plain IPv4 address (its four bytes, or None): the C library's
    inet_pton, a third of the regular expression's time, where it takes exactly what
    ipaddress takes on every form that tells parsers apart; else the expression."""
    import ipaddress
    from _socket import AF_INET, inet_pton  # the C module alone: `socket` costs a start more

    def by_inet_pton(text: str) -> bytes | None:
        try:
            return inet_pton(AF_INET, text)
        except (OSError, ValueError):  # not an address; a NUL or a lone surrogate in it
            return None

    def takes(text: str) -> bool:
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            return False
        return True

    agrees = all((by_inet_pton(text) is not None) == takes(text) for text in _DISPUTED)
    return by_inet_pton if agrees else _ipv4_by_regex


def parse_binary(text: str) -> bytes | None:
    import base64  # as ipaddress above
    import binascii

    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


_PARSERS: dict[str, Callable[[str], object]] = {
    "string": str, "numeric": parse_number, "date": parse_date, "boolean": parse_bool,
    "ip": parse_ip, "binary": parse_binary,
}
_CHECKS: dict[str, Callable[[str], object]] = {"ip": check_ip}  # cheaper than parsing

# ---------------------------------------------------------------------------- operators


class OperatorSpec(NamedTuple):
    """A condition operator as written, taken apart."""

    name: str
    base: str
    qualifier: str | None  # "ForAnyValue" or "ForAllValues"
    if_exists: bool
    family: str  # string, numeric, date, bool, binary, ip, arn, null
    negated: bool
    variables: bool  # whether policy variables are replaced in its values


# base name -> (family, negated, positive comparison name, variables allowed)
_BASES: dict[str, tuple[str, bool, str, bool]] = {
    "StringEquals": ("string", False, "equals", True),
    "StringNotEquals": ("string", True, "equals", True),
    "StringEqualsIgnoreCase": ("string", False, "equals_ic", True),
    "StringNotEqualsIgnoreCase": ("string", True, "equals_ic", True),
    "StringLike": ("string", False, "like", True),
    "StringNotLike": ("string", True, "like", True),
    "NumericEquals": ("numeric", False, "eq", False),
    "NumericNotEquals": ("numeric", True, "eq", False),
    "NumericLessThan": ("numeric", False, "lt", False),
    "NumericLessThanEquals": ("numeric", False, "le", False),
    "NumericGreaterThan": ("numeric", False, "gt", False),
    "NumericGreaterThanEquals": ("numeric", False, "ge", False),
    "DateEquals": ("date", False, "eq", False),
    "DateNotEquals": ("date", True, "eq", False),
    "DateLessThan": ("date", False, "lt", False),
    "DateLessThanEquals": ("date", False, "le", False),
    "DateGreaterThan": ("date", False, "gt", False),
    "DateGreaterThanEquals": ("date", False, "ge", False),
    "Bool": ("bool", False, "bool", True),
    "BinaryEquals": ("binary", False, "binary", False),
    "IpAddress": ("ip", False, "ip", False),
    "NotIpAddress": ("ip", True, "ip", False),
    "ArnEquals": ("arn", False, "arn", True),
    "ArnLike": ("arn", False, "arn", True),
    "ArnNotEquals": ("arn", True, "arn", True),
    "ArnNotLike": ("arn", True, "arn", True),
    "Null": ("null", False, "null", False),
}
_BASES_LOWER = {name.lower(): name for name in _BASES}
_QUALIFIERS = {"foranyvalue": "ForAnyValue", "forallvalues": "ForAllValues"}


@lru_cache(maxsize=512)
def parse_operator(name: str) -> OperatorSpec | None:
    """Take an operator name apart; None when AWS does not know it."""
    rest, qualifier = name, None
    if ":" in rest:
        prefix, rest = rest.split(":", 1)
        qualifier = _QUALIFIERS.get(prefix.lower())
        if qualifier is None:
            return None
    if_exists = rest.lower().endswith("ifexists")
    if if_exists:
        rest = rest[: -len("IfExists")]
    base = _BASES_LOWER.get(rest.lower())
    if base is None or (base == "Null" and (if_exists or qualifier)):
        return None
    family, negated, _, variables = _BASES[base]
    return OperatorSpec(name, base, qualifier, if_exists, family, negated, variables)


def check_value(family: str, value: str) -> str | None:
    """Why `value` cannot be a policy value for this operator family, or None."""
    parser = {"numeric": parse_number, "date": parse_date, "bool": parse_bool,
              "ip": parse_ip, "binary": parse_binary}.get(family)
    if family == "null":
        parser = parse_bool
    if parser is not None and parser(value) is None:
        kinds = {"numeric": "a number", "date": "a date (ISO 8601 or epoch seconds)",
                 "bool": "true or false", "ip": "an IP address or CIDR block",
                 "binary": "base64 data", "null": "true or false"}
        return f"{value!r} is not {kinds[family]}"
    return None


_ORDER = {"eq": operator.eq, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
          "ge": operator.ge}

ValuesMatcher = Callable[[tuple[str, ...], RequestContext], bool]


def _values_matcher(spec: OperatorSpec, values: tuple[str, ...]) -> ValuesMatcher:
    """"Does any of the request's values match any of the policy's values?" for this
    operator, with the policy's values read once, here."""
    comparison = _BASES[spec.base][2]
    if comparison in ("equals", "equals_ic", "bool"):
        fold = comparison != "equals"
        templates = [tokenize(v, variables=spec.variables, wildcards=False) for v in values]
        if not any(has_variables(t) for t in templates):
            fixed = frozenset(v.lower() if fold else v for v in values)
            if fold:
                return lambda got, ctx: any(v.lower() in fixed for v in got)
            return lambda got, ctx: not fixed.isdisjoint(got)

        def matches_resolved(got: tuple[str, ...], ctx: RequestContext) -> bool:
            wanted = set()
            for tokens in templates:
                resolved = resolve(tokens, ctx)
                if resolved is not None:
                    text = "".join(t.text for t in resolved if isinstance(t, Literal))
                    wanted.add(text.lower() if fold else text)
            return any((v.lower() if fold else v) in wanted for v in got)

        return matches_resolved
    if comparison in ("like", "arn"):
        patterns = WildcardSet(values, mode=GLOB if comparison == "like" else ARN,
                               variables=spec.variables)
        return lambda got, ctx: any(patterns.matches(v, ctx) for v in got)
    if comparison in _ORDER:
        parse = parse_number if spec.family == "numeric" else parse_date
        compare = _ORDER[comparison]
        wanted = [w for w in (parse(v) for v in values) if w is not None]

        def ordered(got: tuple[str, ...], ctx: RequestContext) -> bool:
            for v in got:
                number = parse(v)
                if number is not None and any(compare(number, w) for w in wanted):
                    return True
            return False

        return ordered
    if comparison == "binary":
        wanted_bytes = {b for b in (parse_binary(v) for v in values) if b is not None}
        return lambda got, ctx: any(parse_binary(v) in wanted_bytes for v in got)
    if comparison == "ip":
        networks = [n for n in (parse_ip(v) for v in values) if n is not None]
        # IPv4 blocks as (first address, mask) integers: a plain IPv4 address is in one
        # when its masked bits are the block's, without building an ipaddress object
        blocks = tuple((int(n.network_address), int(n.netmask))
                       for n in networks if n.version == 4)

        def in_network(got: tuple[str, ...], ctx: RequestContext) -> bool:
            for v in got:
                number = ipv4_number(v)
                if number is not None:
                    for first, mask in blocks:
                        if number & mask == first:
                            return True
                    continue
                address = parse_ip(v)  # parsed once per address: parse_ip remembers
                if address is not None and any(
                        address.version == n.version
                        and address.subnet_of(n)  # type: ignore[arg-type]
                        for n in networks):
                    return True
            return False

        return in_network
    raise AssertionError(f"no matcher for {spec.base}")


def _when_missing(spec: OperatorSpec, values: tuple[str, ...]) -> bool:
    """The condition's result when the request lacks its key (or gives it no value)."""
    if spec.family == "null":
        return "true" in {v.lower() for v in values}
    if spec.if_exists or spec.qualifier == "ForAllValues":
        return True
    if spec.qualifier == "ForAnyValue":
        return False
    return spec.negated  # a missing key matches nothing: only a negated operator holds


class ConditionOutcome(NamedTuple):
    """Whether one key's condition held, and why, in words."""

    holds: bool
    operator: str
    key: str
    reason: str


class CompiledCondition:
    """One (operator, key, values) triple of a Condition block, ready to evaluate."""

    __slots__ = ("_match", "_variable_keys", "key", "key_lower", "spec", "values",
                 "when_missing", "when_present")

    def __init__(self, spec: OperatorSpec, key: str, values: tuple[str, ...]) -> None:
        self.spec, self.key, self.key_lower, self.values = spec, key, key.lower(), values
        self._match = None if spec.family == "null" else _values_matcher(spec, values)
        self.when_missing = _when_missing(spec, values)
        # Null's answer for a key that is there; other operators compare its values
        self.when_present = spec.family == "null" and "false" in {v.lower() for v in values}
        self._variable_keys = tuple(
            var.key for v in values if spec.variables
            for var in variables_in(tokenize(v, variables=True, wildcards=False)))

    def context_keys(self) -> tuple[str, ...]:
        """The context keys this condition reads: its own and those of its variables."""
        return (self.key, *self._variable_keys)

    def holds(self, ctx: RequestContext) -> bool:
        """Evaluate against the request context."""
        entry = ctx._entries.get(self.key_lower)  # RequestContext.get, without its call
        if entry is None or not entry.values:
            return self.when_missing
        match = self._match
        if match is None:  # Null
            return self.when_present
        spec = self.spec
        if spec.qualifier is None:
            return match(entry.values, ctx) != spec.negated
        if spec.qualifier == "ForAllValues":
            return all(match((v,), ctx) != spec.negated for v in entry.values)
        return any(match((v,), ctx) != spec.negated for v in entry.values)  # ForAnyValue

    def outcome(self, ctx: RequestContext) -> ConditionOutcome:
        """Evaluate and say why, for explanations (slower than `holds`)."""
        holds = self.holds(ctx)
        spec, entry = self.spec, ctx.get(self.key_lower)
        wanted = ", ".join(repr(v) for v in self.values)
        if entry is None or not entry.values:
            if spec.family == "null":
                why = f"{self.key} is absent from the request"
            elif spec.if_exists:
                why = f"{self.key} is absent, and {spec.name} holds for a missing key"
            elif spec.qualifier:
                why = (f"{self.key} is absent; {spec.qualifier} is "
                       f"{'true' if holds else 'false'} for a missing key")
            elif spec.negated:
                why = f"{self.key} is absent, so it matches none of {wanted}"
            else:
                why = f"{self.key} is absent from the request, and a missing key matches nothing"
        else:
            got = ", ".join(repr(v) for v in entry.values)
            if spec.family == "null":
                why = f"{self.key} is present ({got})"
            else:
                verb = "matches" if holds != spec.negated else "does not match"
                if spec.qualifier:
                    verb = "satisfies" if holds else "does not satisfy"
                why = f"the request's {self.key} = {got} {verb} {spec.name} {wanted}"
        return ConditionOutcome(holds, spec.name, self.key, why)


def compile_condition(operator_name: str, key: str, values: Iterable[object]) -> CompiledCondition:
    """Compile one triple; the operator must be known (the grammar checks that first)."""
    spec = parse_operator(operator_name)
    if spec is None:
        raise InvalidInput(f"Invalid Condition type : {operator_name}")
    return CompiledCondition(spec, key, tuple(_policy_string(v) for v in values))
