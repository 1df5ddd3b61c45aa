"""The AWS CLI's pagination over iamtui's list operations.

Two levels, as with AWS. The API level: IAM pages a list by `Marker` and `MaxItems` (at
most 100 items by default) and says `IsTruncated`; `server_page` cuts a command's full answer
into such a page. The CLI level, as botocore's paginator does it: the CLI fetches pages until
done and prints the items added up with no Marker or IsTruncated; `--page-size` sets MaxItems
of each call; `--max-items N` stops after N items and ends the output with `NextToken`, the
base64 of JSON {"Marker": ..., "boto_truncate_amount": ...} that `--starting-token` takes
back; `--no-paginate` (or an explicit `--marker`) prints the one page the API returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from iamtui.commands.registry import arg
from iamtui.errors import InvalidInput

DEFAULT_MAX_ITEMS = 100  # IAM's default MaxItems ("IAM API Reference: ListUsers")


class PaginationError(Exception):
    """Pagination options that contradict each other (the CLI exits 252)."""


def _offset(marker: str | None) -> int:
    if marker is None:
        return 0
    if not marker.isdigit():
        raise InvalidInput(f"Invalid Marker: {marker!r} is no marker this operation returned")
    return int(marker)


def server_page(data: dict[str, Any], keys: list[str], marker: str | None,
                max_items: int) -> dict[str, Any]:
    """The page of `data` (a command's whole answer) that IAM would return for `Marker` and
    `MaxItems`: items of the result keys in order, then IsTruncated and, if so, Marker."""
    if max_items < 1:
        raise InvalidInput(f"Invalid value for parameter MaxItems, value: {max_items}, "
                           "valid min value: 1")
    start = _offset(marker)
    flat = [(key, item) for key in keys for item in data.get(key) or ()]
    end = min(start + max_items, len(flat))
    page: dict[str, Any] = {}
    for key, value in data.items():
        if key in keys:
            page[key] = []
        elif key not in ("IsTruncated", "Marker"):
            page[key] = value
    for key, item in flat[start:end]:
        page[key].append(item)
    page["IsTruncated"] = end < len(flat)
    if page["IsTruncated"]:
        page["Marker"] = str(end)
    return page


# The options of an operation that takes Marker and MaxItems but has no botocore paginator:
# the AWS CLI passes them to the API as they are, and prints the one page it answers.
SERVER_PAGE_ARGS = (
    arg("--max-items", type=int, help="at most this many items (MaxItems, default 100)"),
    arg("--marker", help="the Marker of the previous page"))


def server_page_of(data: dict[str, Any], key: str, args: Any) -> dict[str, Any]:
    """The page of `data` that `--marker` and `--max-items` (SERVER_PAGE_ARGS) ask for."""
    return server_page(data, [key], args.marker,
                       args.max_items if args.max_items is not None else DEFAULT_MAX_ITEMS)


def encode_token(token: dict[str, Any]) -> str:
    """botocore's resume token: the base64 of the token's JSON."""
    import base64  # only when a token is made: a short command's start skips it

    return base64.b64encode(json.dumps(token).encode("utf-8")).decode("utf-8")


def decode_token(token: str) -> tuple[dict[str, Any], int]:
    """The Marker and the items to skip in its page that a NextToken stands for; a token
    that is no such JSON is taken as a marker itself, as botocore does with old tokens."""
    import base64
    import binascii

    try:
        decoded = json.loads(base64.b64decode(token.encode("utf-8")).decode("utf-8"))
        if not isinstance(decoded, dict):
            raise TypeError
        skip = decoded.pop("boto_truncate_amount", 0)
        return decoded, int(skip)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        parts = token.split("___")
        skip = 0
        if len(parts) == 2:
            try:
                skip = int(parts.pop())
            except ValueError:
                parts = [token]
        if len(parts) > 1:
            raise InvalidInput(f"Bad starting token: {token}") from None
        return {"Marker": None if parts[0] == "None" else parts[0]}, skip


class PageIterator:
    """The pages of a paginated answer as botocore's PageIterator yields them, one API call
    (`server_page`) at a time: the first cut where `starting_token` stopped, the last cut at
    `max_items`; after the loop, `resume_token` is what NextToken stands for (or None)."""

    def __init__(self, data: dict[str, Any], keys: list[str], *, max_items: int | None = None,
                 starting_token: str | None = None, page_size: int | None = None) -> None:
        self.data, self.keys = data, keys
        self.max_items, self.starting_token, self.page_size = max_items, starting_token, page_size
        self.resume_token: dict[str, Any] | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        primary = self.keys[0]
        token: dict[str, Any] = {"Marker": None}
        skip = 0
        if self.starting_token is not None:
            token, skip = decode_token(self.starting_token)
        total, first, seen = 0, True, None
        while True:
            page = server_page(self.data, self.keys, token.get("Marker"),
                               self.page_size or DEFAULT_MAX_ITEMS)
            if first:
                if self.starting_token is not None:  # resume inside the page a token stopped in
                    if isinstance(page.get(primary), list):
                        page[primary] = page[primary][skip:]
                    for key in self.keys[1:]:
                        if key in page:
                            page[key] = []
                first = False
            else:
                skip = 0
            items = page.get(primary) or []
            over = total + len(items) - self.max_items if self.max_items is not None else 0
            if over > 0:
                keep = len(items) - over
                page[primary] = items[:keep]
                self.resume_token = {**token, "boto_truncate_amount": keep + skip}
                yield page
                return
            yield page
            total += len(items)
            marker = page.get("Marker") or None if page.get("IsTruncated") else None
            if marker is None:
                return
            token = {"Marker": marker}
            if self.max_items is not None and total == self.max_items:
                self.resume_token = token
                return
            if token == seen:
                raise PaginationError(f"The same next token was received twice: {token}")
            seen = token


def paginate(data: dict[str, Any], keys: list[str], non_aggregate: list[str], *,
             max_items: int | None = None, starting_token: str | None = None,
             page_size: int | None = None,
             pages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The whole result as the AWS CLI prints a paginated operation's answer (botocore's
    build_full_result); `pages`, when given, receives each page as botocore yields it
    (`--output text` prints page by page)."""
    iterator = PageIterator(data, keys, max_items=max_items, starting_token=starting_token,
                            page_size=page_size)
    result: dict[str, Any] = {}
    first_page: dict[str, Any] | None = None
    for page in iterator:
        if first_page is None:
            first_page = {key: page.get(key) for key in non_aggregate}
        _add_up(result, page, keys)
        if pages is not None:
            pages.append(page)
    result.update(first_page or {})
    if iterator.resume_token is not None:
        result["NextToken"] = encode_token(iterator.resume_token)
    return result


def text_pages(pages: list[dict[str, Any]], keys: list[str],
               first_page_only: dict[str, Any]) -> list[dict[str, Any]]:
    """What the AWS CLI's text output prints for each page: the first page's non-aggregate
    keys, then each page's result keys (those the answer has: a filtered
    get-account-authorization-details leaves some out)."""
    return [{**(first_page_only if number == 0 else {}),
             **{k: page[k] for k in keys if k in page}} for number, page in enumerate(pages)]


def _add_up(result: dict[str, Any], page: dict[str, Any], keys: list[str]) -> None:
    for key in keys:
        value = page.get(key)
        if value is None:
            continue
        if key not in result:
            result[key] = list(value) if isinstance(value, list) else value
        elif isinstance(value, list):
            result[key].extend(value)
