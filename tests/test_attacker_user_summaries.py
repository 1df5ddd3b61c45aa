"""The users table's columns are reads of their own: a user's groups (ListGroupsForUser),
console password (GetLoginProfile), MFA devices (ListMFADevices), access keys
(ListAccessKeys) and last activity (GetUser's PasswordLastUsed, GetAccessKeyLastUsed),
each authorized on the user (Service Authorization Reference). The AWS console fills its
users list with those requests; a caller allowed only iam:ListUsers sees the names, not
who holds keys or sits in Admins.
"""

from __future__ import annotations

import json

from helpers import ACCOUNT_ID

from iamtui.service import IamService, Principal


def test_a_caller_sees_only_the_columns_it_may_read(service: IamService,
                                                    root: Principal) -> None:
    service.create_group(root, "Admins")
    service.create_user(root, "boss")
    service.add_user_to_group(root, "Admins", "boss")
    service.create_access_key(root, "boss")
    service.create_login_profile(root, "boss", "Correct-Horse-9-battery")
    user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "ops", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:ListAccessKeys"],
             "Resource": "*"}]}))
    mallory = Principal.for_user(user, ACCOUNT_ID)
    boss = next(s for s in service.user_summaries(mallory) if s.user.user_name == "boss")
    assert boss.hidden == frozenset({"groups", "console", "mfa", "activity"})
    assert boss.groups == () and not boss.console_access and boss.mfa_devices == 0
    assert boss.access_keys == 1  # ListAccessKeys is allowed
    everything = next(s for s in service.user_summaries(root) if s.user.user_name == "boss")
    assert everything.hidden == frozenset()
    assert everything.groups == ("Admins",) and everything.console_access


def test_the_users_table_says_not_allowed(service: IamService, root: Principal) -> None:
    """The table shows "not allowed" where the caller may not read, not "None" or "No"."""
    from iamtui.screens.kinds.users import load

    service.create_user(root, "boss")
    service.create_access_key(root, "boss")
    user = service.create_user(root, "mallory")
    service.put_user_policy(root, "mallory", "ops", json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    row = next(r for r in load(service, Principal.for_user(user, ACCOUNT_ID))
               if r.cells[0] == "boss")
    assert row.cells[2:7] == ("not allowed",) * 5
