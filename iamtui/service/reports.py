"""Reviews: the credential report and the IAM dashboard's security checks.

AWS pages followed:
- IAM User Guide, "Generate credential reports for your AWS account": the CSV's 22
  columns in order, `<root_account>` as the root user's row, `not_supported` for the
  root user's password fields, `N/A` where a credential is absent or unused,
  `no_information` for a password never used; a report is reused for four hours.
- IAM API Reference, GenerateCredentialReport (State STARTED / COMPLETE, Description)
  and GetCredentialReport (Content base64, ReportFormat text/csv, GeneratedTime;
  ReportNotPresent before any report exists).
- IAM User Guide, "Security best practices in IAM" and the IAM dashboard's security
  recommendations (root MFA, no root access keys, MFA for console users, rotate keys,
  remove unused credentials, a password policy, an administrator who is not root).
  Ninety days is the age the console flags and CIS AWS Foundations uses.

The security checks are plain data (`SecurityStatus`), so the TUI dashboard and the
`security-status` command show the same thing.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from iamtui.arn import DEFAULT_QUOTAS, assumed_role_arn, root_arn
from iamtui.errors import CredentialReportNotPresent
from iamtui.model import AccessKey, Account, User, aws_timestamp
from iamtui.security.access_keys import ROTATION_DAYS, key_age_days
from iamtui.service.access_advisor import unused_permissions
from iamtui.service.access_keys import ROOT_KEY_OWNER
from iamtui.service.account_settings import global_endpoint_token_version
from iamtui.service.core import Principal, ServiceCore, View
from iamtui.service.credential_tables import SERVER_CERTIFICATES
from iamtui.service.mfa_devices import ROOT_OWNER
from iamtui.service.oidc_providers import OIDC_PROVIDERS
from iamtui.service.passwords import security_settings
from iamtui.service.tables import (
    ACCESS_KEYS,
    ATTACHMENTS,
    GROUPS,
    INSTANCE_PROFILES,
    LOGIN_PROFILES,
    MFA_DEVICES,
    POLICIES,
    ROLES,
    SAML_PROVIDERS,
    USERS,
)
from iamtui.service.user_credentials import signing_certificates_of

CREDENTIAL_REPORT_COLUMNS: tuple[str, ...] = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
)
"""The credential report's columns, in AWS's order."""

ROOT_ROW_USER = "<root_account>"
NOT_APPLICABLE = "N/A"
NO_INFORMATION = "no_information"
NOT_SUPPORTED = "not_supported"
REPORT_REUSE = timedelta(hours=4)
REPORT_FORMAT = "text/csv"
UNUSED_DAYS = 90
REPORT_TABLE = "credential_reports"  # one record: the latest report
_REPORT_KEY = "latest"

# Actions from several services on "*": only an allow of every action on every resource
# (AdministratorAccess or an equivalent) allows them all.
ADMIN_SAMPLE_ACTIONS: tuple[str, ...] = (
    "iam:CreateUser", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:CreateAccessKey",
    "sts:AssumeRole", "s3:DeleteBucket", "ec2:TerminateInstances",
    "kms:ScheduleKeyDeletion", "organizations:LeaveOrganization", "cloudtrail:StopLogging")


# ------------------------------------------------------------------ the credential report


@dataclass(frozen=True)
class GenerateCredentialReportResult:
    """GenerateCredentialReport's answer."""

    state: str  # STARTED (a new report) or COMPLETE (a recent one is reused)
    description: str


@dataclass(frozen=True)
class CredentialReport:
    """GetCredentialReport's answer; `content` is the CSV itself (base64 only on output)."""

    content: bytes
    generated_time: datetime
    report_format: str = REPORT_FORMAT

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


def aws_credential_report(report: CredentialReport) -> dict[str, str]:
    """The JSON `aws iam get-credential-report` prints (Content base64-encoded)."""
    return {"Content": base64.b64encode(report.content).decode("ascii"),
            "ReportFormat": report.report_format,
            "GeneratedTime": aws_timestamp(report.generated_time)}


def _when(moment: datetime | None, absent: str) -> str:
    return aws_timestamp(moment) if moment is not None else absent


def _bool(value: bool) -> str:
    # Reports as AWS serves them say true/false in lower case (the guide prints TRUE/FALSE).
    return "true" if value else "false"


def _key_cells(keys: Sequence[AccessKey]) -> list[str]:
    """The 10 access-key cells: two slots, oldest key first, N/A where nothing is known."""
    cells: list[str] = []
    for slot in range(2):
        key = keys[slot] if slot < len(keys) else None
        if key is None:
            cells += ["false", NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
            continue
        used = key.last_used_date is not None
        cells += [_bool(key.status == "Active"), aws_timestamp(key.create_date),
                  _when(key.last_used_date, NOT_APPLICABLE),
                  (key.last_used_region or NOT_APPLICABLE) if used else NOT_APPLICABLE,
                  (key.last_used_service or NOT_APPLICABLE) if used else NOT_APPLICABLE]
    return cells


def _cert_cells(view: View, owner: str) -> list[str]:
    """cert_1_active, cert_1_last_rotated, cert_2_*: the owner's X.509 signing certificates,
    oldest first; false and N/A for a slot without one."""
    certs = signing_certificates_of(view, owner)
    cells: list[str] = []
    for slot in range(2):
        cert = certs[slot] if slot < len(certs) else None
        cells += (["false", NOT_APPLICABLE] if cert is None
                  else [_bool(cert.status == "Active"), aws_timestamp(cert.upload_date)])
    return cells


def _keys_of(view: View, owner: str) -> list[AccessKey]:
    return sorted(ACCESS_KEYS.find_by(view, "user", owner), key=lambda k: k.create_date)


def _mfa_active(view: View, owner: str) -> bool:
    return any(d.enable_date is not None for d in MFA_DEVICES.find_by(view, "user", owner))


def credential_report_rows(view: View) -> list[list[str]]:
    """The report's rows (without the header): the root user, then every user by name."""
    meta = view.meta
    account = Account.from_record(meta["account"])
    root_used = meta.get("root", {}).get("password_last_used")  # set by sign-in, if at all
    root_last_used = datetime.fromisoformat(root_used) if root_used else None
    rows = [[ROOT_ROW_USER, root_arn(account.account_id), aws_timestamp(account.created),
             NOT_SUPPORTED, _when(root_last_used, NO_INFORMATION), NOT_SUPPORTED, NOT_SUPPORTED,
             _bool(_mfa_active(view, ROOT_OWNER)), *_key_cells(_keys_of(view, ROOT_KEY_OWNER)),
             *_cert_cells(view, ROOT_KEY_OWNER)]]
    policy = security_settings(view).password_policy
    max_age = policy.max_password_age if policy is not None else None
    for user in sorted(USERS.all(view), key=lambda u: u.user_name.casefold()):
        rows.append(_user_row(view, user, max_age))
    return rows


def _user_row(view: View, user: User, max_age: int | None) -> list[str]:
    profile = LOGIN_PROFILES.get(view, user.user_name.casefold())
    if profile is None:
        password = ["false", NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
    else:
        changed = profile.password_last_changed or profile.create_date
        rotation = (aws_timestamp(changed + timedelta(days=max_age)) if max_age
                    else NOT_APPLICABLE)
        password = ["true", _when(user.password_last_used, NO_INFORMATION),
                    aws_timestamp(changed), rotation]
    return [user.user_name, user.arn, aws_timestamp(user.create_date), *password,
            _bool(_mfa_active(view, user.user_name)), *_key_cells(_keys_of(view, user.user_name)),
            *_cert_cells(view, user.user_name)]


def render_credential_report(rows: Sequence[Sequence[str]]) -> str:
    """The CSV text: the header line, then one line per row (LF line ends, as AWS's)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CREDENTIAL_REPORT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


# ------------------------------------------------------------------ security status


@dataclass(frozen=True)
class FailingEntity:
    """One entity a check found wanting."""

    type: str  # RootUser, User, AccessKey, Account
    name: str
    detail: str = ""


@dataclass(frozen=True)
class SecurityCheck:
    """One of the IAM dashboard's checks: passed or not, and the entities that fail."""

    check_id: str
    title: str
    passed: bool
    failing: tuple[FailingEntity, ...] = ()
    advice: str = ""
    notes: tuple[str, ...] = field(default=())  # e.g. the administrators that were found

    def to_dict(self) -> dict[str, Any]:
        return {"CheckId": self.check_id, "Title": self.title,
                "Status": "PASS" if self.passed else "FAIL",
                "FailingEntities": [{"Type": f.type, "Name": f.name, "Detail": f.detail}
                                    for f in self.failing],
                "Advice": self.advice, "Notes": list(self.notes)}


@dataclass(frozen=True)
class SecurityStatus:
    """Every check at one moment."""

    generated_time: datetime
    checks: tuple[SecurityCheck, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def check(self, check_id: str) -> SecurityCheck:
        """The check with this ID (KeyError if there is none)."""
        for item in self.checks:
            if item.check_id == check_id:
                return item
        raise KeyError(check_id)

    def to_dict(self) -> dict[str, Any]:
        return {"GeneratedTime": aws_timestamp(self.generated_time),
                "Passed": sum(c.passed for c in self.checks),
                "Failed": sum(not c.passed for c in self.checks),
                "Checks": [c.to_dict() for c in self.checks]}


def _check(check_id: str, title: str, failing: Sequence[FailingEntity], advice: str,
           notes: Sequence[str] = ()) -> SecurityCheck:
    return SecurityCheck(check_id, title, not failing, tuple(failing), advice, tuple(notes))


class ReportOperations(ServiceCore):
    """GenerateCredentialReport, GetCredentialReport and the security checks."""

    def generate_credential_report(self, caller: Principal) -> GenerateCredentialReportResult:
        """GenerateCredentialReport: a new report, unless one is less than four hours old."""
        with self._change(caller, "GenerateCredentialReport", "*", {}) as change:
            now = self.clock()
            latest = change.tx.table(REPORT_TABLE).get(_REPORT_KEY)
            if latest is not None and \
                    now - datetime.fromisoformat(latest["generated_time"]) < REPORT_REUSE:
                result = GenerateCredentialReportResult("COMPLETE", "")
            else:
                text = render_credential_report(credential_report_rows(change.tx))
                change.tx.table(REPORT_TABLE).put(_REPORT_KEY, {
                    "generated_time": now.isoformat(), "content": text})
                result = GenerateCredentialReportResult(
                    "STARTED", "No report exists. Starting a new report generation task")
            change.response = {"state": result.state, "description": result.description}
        return result

    def get_credential_report(self, caller: Principal) -> CredentialReport:
        """GetCredentialReport: the latest report; ReportNotPresent before the first."""
        view = self._read(caller, "GetCredentialReport", "*")
        latest = view.table(REPORT_TABLE).get(_REPORT_KEY)
        if latest is None:
            raise CredentialReportNotPresent(
                "Credential report does not exist. To generate a credential report, use "
                "GenerateCredentialReport.")
        return CredentialReport(latest["content"].encode("utf-8"),
                                datetime.fromisoformat(latest["generated_time"]))

    # ------------------------------------------------------------------ account summary

    def get_account_summary(self, caller: Principal) -> dict[str, int]:
        """GetAccountSummary: the SummaryMap, IAM's entity counts and quotas ("IAM API
        Reference: GetAccountSummary"; "IAM and AWS STS quotas"). PolicyVersionsInUse
        counts the managed policies attached to users, groups and roles (each attachment
        uses its policy's default version); the Account* keys are 1 or 0 for the root
        user's MFA, access keys and password (the root user has no signing certificates
        here: 0); Providers counts the SAML and OpenID Connect identity providers;
        GlobalEndpointTokenVersion is SetSecurityTokenServicePreferences' (1 or 2)."""
        view = self._read(caller, "GetAccountSummary", "*", params={})
        devices = MFA_DEVICES.all(view)
        counts = {
            "Users": USERS.count(view),
            "Groups": GROUPS.count(view),
            "Roles": ROLES.count(view),
            "Policies": sum(1 for p in POLICIES.all(view) if not p.is_aws_managed),
            "PolicyVersionsInUse": ATTACHMENTS.count(view),
            "InstanceProfiles": INSTANCE_PROFILES.count(view),
            "MFADevices": len(devices),
            "MFADevicesInUse": sum(1 for d in devices if d.enable_date is not None),
            "AccountMFAEnabled": int(_mfa_active(view, ROOT_OWNER)),
            "AccountAccessKeysPresent": int(bool(_keys_of(view, ROOT_KEY_OWNER))),
            "AccountPasswordPresent": 1,  # the root user always has one here
            "AccountSigningCertificatesPresent": 0,
            "ServerCertificates": SERVER_CERTIFICATES.count(view),
            "Providers": SAML_PROVIDERS.count(view) + OIDC_PROVIDERS.count(view),
            "GlobalEndpointTokenVersion": global_endpoint_token_version(view.meta),
        }
        return counts | DEFAULT_QUOTAS.summary_map()

    # ------------------------------------------------------------------ security status

    def security_status(self, caller: Principal) -> SecurityStatus:
        """The IAM dashboard's checks, each passed or failed with the entities that fail
        (authorized as iam:GetAccountSummary, and, for the entities it names, as what
        they are read from: the credential report and every principal's policies)."""
        self._read(caller, "GetAccountSummary", "*")
        self._read(caller, "GetCredentialReport", "*")
        view = self._read(caller, "GetAccountAuthorizationDetails", "*")
        now = self.clock()
        users = sorted(USERS.all(view), key=lambda u: u.user_name.casefold())
        root_keys = _keys_of(view, ROOT_KEY_OWNER)
        all_keys = [(ROOT_ROW_USER, k) for k in root_keys] + [
            (u.user_name, k) for u in users for k in _keys_of(view, u.user_name)]
        checks = [
            _check("root-mfa", "The root user has MFA",
                   [] if _mfa_active(view, ROOT_OWNER) else
                   [FailingEntity("RootUser", ROOT_ROW_USER, "no MFA device is enabled")],
                   "Enable a virtual MFA device for the root user (enable-mfa-device as root)."),
            _check("root-access-keys", "The root user has no access keys",
                   [FailingEntity("AccessKey", k.access_key_id, f"root user's key, {k.status}")
                    for k in root_keys],
                   "Delete the root user's access keys; give people and programs IAM users "
                   "or roles instead."),
            _check("users-mfa", "Every user with a console password has MFA",
                   [FailingEntity("User", u.user_name, "console password without MFA")
                    for u in users
                    if LOGIN_PROFILES.get(view, u.user_name.casefold()) is not None
                    and not _mfa_active(view, u.user_name)],
                   "Have each of these users enable an MFA device."),
            _check("access-key-rotation", f"Active access keys are rotated within "
                   f"{ROTATION_DAYS} days",
                   [FailingEntity("AccessKey", k.access_key_id,
                                  f"{owner}: {key_age_days(k.create_date, now)} days old")
                    for owner, k in all_keys
                    if k.status == "Active" and key_age_days(k.create_date, now) >= ROTATION_DAYS],
                   "Create a new key, move its users to it, then deactivate and delete the "
                   "old one."),
            _check("unused-credentials", f"No credentials unused for {UNUSED_DAYS} days",
                   self._unused_credentials(view, users, all_keys, now),
                   "Deactivate or delete credentials nobody uses."),
            _check("password-policy", "The account has a password policy",
                   [] if security_settings(view).password_policy is not None else
                   [FailingEntity("Account", self.account_id, "no custom password policy")],
                   "Set one with update-account-password-policy (--pci-dss for PCI DSS v4.0)."),
            self._administrator_check(view, users, now),
            _check("unused-permissions", f"No permissions unused for {UNUSED_DAYS} days",
                   [FailingEntity(*found) for found in unused_permissions(
                       view, self.audit.lookup_events(
                           newest_first=False, start_time=now - timedelta(days=UNUSED_DAYS)),
                       now, UNUSED_DAYS)],
                   "Open the Access advisor tab of each and remove the services it does not "
                   "use from its policies."),
        ]
        return SecurityStatus(now, tuple(checks))

    def _unused_credentials(self, view: View, users: Sequence[User],
                            keys: Sequence[tuple[str, AccessKey]],
                            now: datetime) -> list[FailingEntity]:
        """Passwords and active keys whose last use (or creation, if never used) is
        UNUSED_DAYS or more ago."""
        failing = []
        for user in users:
            profile = LOGIN_PROFILES.get(view, user.user_name.casefold())
            if profile is None:
                continue
            since = user.password_last_used or profile.create_date
            days = (now - since).days
            if days >= UNUSED_DAYS:
                what = "last used" if user.password_last_used else "never used, created"
                failing.append(FailingEntity("User", user.user_name,
                                             f"console password {what} {days} days ago"))
        for owner, key in keys:
            if key.status != "Active":
                continue
            since = key.last_used_date or key.create_date
            days = (now - since).days
            if days >= UNUSED_DAYS:
                what = "last used" if key.last_used_date else "never used, created"
                failing.append(FailingEntity("AccessKey", key.access_key_id,
                                             f"{owner}: {what} {days} days ago"))
        return failing

    def _administrator_check(self, view: View, users: Sequence[User],
                             now: datetime) -> SecurityCheck:
        """At least one user or role that the engine lets do everything (with MFA, since an
        administrator may well be required to use it)."""
        admins = [f"user {u.user_name}" for u in users
                  if self._is_administrator(view, Principal.for_user(u, self.account_id,
                                                                     mfa_at=now))]
        for role in sorted(ROLES.all(view), key=lambda r: r.role_name.casefold()):
            session = Principal("assumed-role", self.account_id,
                                assumed_role_arn(self.account_id, role.role_name, "check"),
                                role.role_name, f"{role.role_id}:check",
                                session_name="check", mfa_authenticated_at=now,
                                session_issued_at=now)
            if self._is_administrator(view, session):
                admins.append(f"role {role.role_name}")
        failing = [] if admins else [FailingEntity(
            "Account", self.account_id, "only the root user can administer the account")]
        return _check("non-root-administrator", "At least one administrator who is not the "
                      "root user", failing,
                      "Create an administrator user or role (for example with the AWS "
                      "managed policy AdministratorAccess) and stop using the root user "
                      "day to day.", notes=[f"administrator: {a}" for a in admins])

    def _is_administrator(self, view: View, principal: Principal) -> bool:
        return all(self.evaluate_caller(view, principal, action, "*").allowed
                   for action in ADMIN_SAMPLE_ACTIONS)
