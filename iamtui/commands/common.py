"""Argument and answer shapes shared by many commands: tags, documents, key lists; and the
commands every taggable entity has (tag-, untag-, list-...-tags), every kind of user
credential has (update- its status, delete-) and users and groups both have (list-,
update- to rename or move, delete-), each registered from one place."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from iamtui.commands.registry import Arg, ArgumentError, Response, arg, command
from iamtui.commands.session import session
from iamtui.model import Tag, aws_tag
from iamtui.policy import load_json

TAGS_HELP = "Key=k,Value=v ..."
STATUS = arg("--status", required=True, help="Active or Inactive")


def parse_tags(values: Sequence[str] | None, option: str = "--tags") -> list[Tag]:
    """`--tags Key=k,Value=v ...` (the AWS CLI's shorthand) or a JSON list of {Key, Value}."""
    tags: list[Tag] = []
    for value in values or ():
        text = value.strip()
        if text.startswith("["):
            try:
                items = load_json(text)
                tags += [Tag(str(i["Key"]), str(i.get("Value", ""))) for i in items]
            except (json.JSONDecodeError, TypeError, KeyError) as exc:
                raise ArgumentError(f"Error parsing parameter '{option}': expected a JSON list "
                                    f"of {{\"Key\": ..., \"Value\": ...}}: {exc}") from None
            continue
        fields = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
        if "Key" not in fields:
            raise ArgumentError(f"Error parsing parameter '{option}': expected Key=k,Value=v, "
                                f"got {value!r}")
        tags.append(Tag(fields["Key"], fields.get("Value", "")))
    return tags


def tags_response(tags: Sequence[Tag]) -> Response:
    """A List*Tags answer (ListUserTags, ListMFADeviceTags, ...), with its table rows."""
    return Response({"Tags": [aws_tag(t) for t in tags], "IsTruncated": False},
                    table=[[t.key, t.value] for t in tags], headers=["Key", "Value"])


def created_with_tags(arn_field: str, arn: str, tags: Sequence[Tag]) -> Response:
    """A Create* answer that is the new entity's ARN, with its tags when it has any
    (CreateSAMLProvider, CreateOpenIDConnectProvider)."""
    data: dict[str, object] = {arn_field: arn}
    if tags:
        data["Tags"] = [aws_tag(t) for t in tags]
    return Response(data)


def _dest(option: Arg) -> str:
    """The attribute argparse stores an option in (`--user-name` -> `user_name`)."""
    return option.options.get("dest") or option.flags[0].lstrip("-").replace("-", "_")


def register_tag_commands(entity: str, target: Arg, noun: str, *,
                          listed_noun: str | None = None) -> None:
    """Register `tag-ENTITY`, `untag-ENTITY` and `list-ENTITY-tags` as `aws iam` has them
    for one kind of entity (TagUser, UntagUser, ListUserTags...), calling the service's
    tag_ENTITY, untag_ENTITY and list_ENTITY_tags with the entity `target` names.

    `noun` is how the help names one ("a user"); `listed_noun`, list's, where it differs.
    """
    dest, name = _dest(target), entity.replace("-", "_")

    def tag(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            getattr(svc, f"tag_{name}")(caller, getattr(args, dest), parse_tags(args.tags))
        return Response({})

    def untag(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            getattr(svc, f"untag_{name}")(caller, getattr(args, dest), args.tag_keys)
        return Response({})

    def list_tags(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            tags = getattr(svc, f"list_{name}_tags")(caller, getattr(args, dest))
        return tags_response(tags)

    command(f"tag-{entity}", f"Add or overwrite tags on {noun}.", target,
            arg("--tags", nargs="+", required=True, metavar="TAG", help=TAGS_HELP))(tag)
    command(f"untag-{entity}", f"Remove tags from {noun}.", target,
            arg("--tag-keys", nargs="+", required=True, metavar="KEY",
                help="keys to remove"))(untag)
    command(f"list-{entity}-tags", f"List {listed_noun or noun}'s tags.", target)(list_tags)


def register_credential_commands(credential: str, noun: str, key: Arg, user: Arg, *,
                                 user_first: bool = False) -> None:
    """Register `update-CREDENTIAL` (its Status) and `delete-CREDENTIAL` as `aws iam` has
    them for one kind of user credential (access keys, SSH public keys, signing
    certificates, service-specific credentials), calling the service's update_CREDENTIAL
    and delete_CREDENTIAL with the credential's ID, `key`, and its user, `user`.

    `noun` is how the help names one ("an access key"). The user comes first, in the
    arguments and in the service's parameters, when `user_first` (UpdateSSHPublicKey's
    order, where the user is required), else last.
    """
    key_dest, user_dest, name = _dest(key), _dest(user), credential.replace("-", "_")

    def positional(args: argparse.Namespace, *rest: object) -> tuple[object, ...]:
        # the service takes (ID, ..., user) or, with user_first, (user, ID, ...)
        ids = getattr(args, key_dest), *rest
        user_name = getattr(args, user_dest)
        return (user_name, *ids) if user_first else (*ids, user_name)

    def update(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            getattr(svc, f"update_{name}")(caller, *positional(args, args.status))
        return Response({})

    def delete(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            getattr(svc, f"delete_{name}")(caller, *positional(args))
        return Response({})

    command(f"update-{credential}", f"Make {noun} Active or Inactive.",
            *((user, key, STATUS) if user_first else (key, STATUS, user)))(update)
    command(f"delete-{credential}", f"Delete {noun}.",
            *((user, key) if user_first else (key, user)))(delete)


def path_listing(entity: str, entities: Sequence[Any],
                 shape: Callable[..., dict[str, Any]]) -> Response:
    """A ListUsers / ListGroups answer (`entity` "user" or "group"), each entity in its
    `shape(entity, listing=True)`, with its table rows: name, path, ARN, creation day."""
    noun = entity.capitalize()
    return Response({f"{noun}s": [shape(e, listing=True) for e in entities]},
                    table=[[getattr(e, f"{entity}_name"), e.path, e.arn,
                            e.create_date.strftime("%Y-%m-%d")] for e in entities],
                    headers=[f"{noun}Name", "Path", "Arn", "Created"])


def register_path_commands(entity: str, target: Arg, shape: Callable[..., dict[str, Any]], *,
                           delete_help: str, cascade_help: str) -> None:
    """Register `list-ENTITYs` (under a path prefix), `update-ENTITY` (a new name, a new
    path) and `delete-ENTITY` (with --cascade) as `aws iam` has them for users and groups
    (ListUsers, UpdateUser, DeleteUser, ListGroups...), calling the service's
    list_ENTITYs, update_ENTITY and delete_ENTITY with the entity `target` names.

    `shape` is the entity's AWS structure (aws_user); `delete_help` and `cascade_help`
    say what delete is refused for and what --cascade removes first.
    """
    dest = _dest(target)

    def list_entities(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            found = getattr(svc, f"list_{entity}s")(caller, path_prefix=args.path_prefix)
            return path_listing(entity, found, shape)

    def update(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            getattr(svc, f"update_{entity}")(
                caller, getattr(args, dest), new_path=args.new_path,
                **{f"new_{entity}_name": getattr(args, f"new_{entity}_name")})
        return Response({})

    def delete(args: argparse.Namespace) -> Response:
        with session(args) as (svc, caller):
            getattr(svc, f"delete_{entity}")(caller, getattr(args, dest), cascade=args.cascade)
        return Response({})

    command(f"list-{entity}s", f"List {entity}s, optionally under a path prefix.",
            arg("--path-prefix", default="/",
                help=f"only {entity}s whose path starts with this"))(list_entities)
    command(f"update-{entity}", f"Rename a {entity} or change its path.", target,
            arg(f"--new-{entity}-name", help="the new name"),
            arg("--new-path", help="the new path"))(update)
    command(f"delete-{entity}", delete_help, target,
            arg("--cascade", action="store_true", help=cascade_help))(delete)
