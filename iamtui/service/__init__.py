"""IamService: every operation, authorized, validated, stored and audited.

The CLI and the TUI call the same methods; each takes the calling `Principal` first.
Operations are grouped by family in this package's modules and assembled here.
"""

from iamtui.service.access_advisor import AccessAdvisorOperations
from iamtui.service.access_keys import AccessKeyOperations
from iamtui.service.account_details import AccountDetailsOperations
from iamtui.service.account_settings import AccountSettingsOperations
from iamtui.service.attachments import AttachmentOperations
from iamtui.service.audit_ops import AuditOperations
from iamtui.service.core import Principal, ServiceCore, config_dir
from iamtui.service.escalation import EscalationOperations
from iamtui.service.federation import FederationOperations
from iamtui.service.groups import GroupOperations
from iamtui.service.inline import InlinePolicyOperations
from iamtui.service.instance_profiles import InstanceProfileOperations
from iamtui.service.policies import PolicyOperations
from iamtui.service.reports import ReportOperations
from iamtui.service.resources import ResourcePolicyOperations
from iamtui.service.roles import RoleOperations
from iamtui.service.saml_providers import SamlProviderOperations
from iamtui.service.server_certificates import ServerCertificateOperations
from iamtui.service.service_linked_roles import ServiceLinkedRoleOperations
from iamtui.service.signin import SignInOperations
from iamtui.service.simulation import SimulationOperations
from iamtui.service.user_credentials import UserCredentialOperations
from iamtui.service.users import UserOperations
from iamtui.service.web_identity import WebIdentityOperations
from iamtui.service.who_can import WhoCanOperations

# The AWS managed policy the console attaches with "must create a new password at next
# sign-in" (IAM User Guide, "Permit IAM users to change their own passwords").
CHANGE_PASSWORD_POLICY_ARN = "arn:aws:iam::aws:policy/IAMUserChangePassword"


class IamService(UserOperations, AccessKeyOperations, GroupOperations, RoleOperations,
                 InlinePolicyOperations, SignInOperations, AccountDetailsOperations,
                 AttachmentOperations, PolicyOperations, ResourcePolicyOperations,
                 WebIdentityOperations, FederationOperations, SamlProviderOperations,
                 SimulationOperations, AuditOperations, ReportOperations, WhoCanOperations,
                 AccountSettingsOperations, UserCredentialOperations,
                 ServerCertificateOperations, InstanceProfileOperations,
                 ServiceLinkedRoleOperations, AccessAdvisorOperations,
                 EscalationOperations):
    """Every IAM operation on one local store."""

    def let_user_change_password(self, caller: Principal, user_name: str) -> bool:
        """What AWS's console does when it requires a new password at the next sign-in:
        attach the AWS managed policy IAMUserChangePassword, unless the user may change
        their own password already (AllowUsersToChangePassword, or a policy allowing
        iam:ChangePassword). Authorized and audited as AttachUserPolicy (with iam:PolicyARN)
        before anything is looked at, so that a caller who may not attach the policy hears
        AccessDenied whether or not the user may change their password; True when it
        attached the policy."""
        params = {"userName": user_name, "policyArn": CHANGE_PASSWORD_POLICY_ARN}
        user = self._subject(caller, "AttachUserPolicy", params, self._login_user, user_name,
                             context=self._owner_context(None, CHANGE_PASSWORD_POLICY_ARN),
                             read_only=False)
        view = self._authorized(caller, "AttachUserPolicy", user.arn, params=params,
                                context=self._owner_context(user, CHANGE_PASSWORD_POLICY_ARN),
                                read_only=False)
        if self.may_change_own_password(view, Principal.for_user(
                user, self.account_id, console=True)):
            return False
        self.attach_policy(caller, "user", user_name, CHANGE_PASSWORD_POLICY_ARN)
        return True

__all__ = ["CHANGE_PASSWORD_POLICY_ARN", "IamService", "Principal", "ServiceCore", "config_dir"]
