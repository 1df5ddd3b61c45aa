"""IamService: every operation, authorized, validated, stored and audited.

The CLI and the TUI call the same methods; each takes the calling `Principal` first.
Operations are grouped by family in this package's modules and assembled here.
"""

from iamtui.service.access_keys import AccessKeyOperations
from iamtui.service.account_details import AccountDetailsOperations
from iamtui.service.account_settings import AccountSettingsOperations
from iamtui.service.attachments import AttachmentOperations
from iamtui.service.audit_ops import AuditOperations
from iamtui.service.core import Principal, ServiceCore, config_dir
from iamtui.service.groups import GroupOperations
from iamtui.service.inline import InlinePolicyOperations
from iamtui.service.policies import PolicyOperations
from iamtui.service.reports import ReportOperations
from iamtui.service.resources import ResourcePolicyOperations
from iamtui.service.roles import RoleOperations
from iamtui.service.signin import SignInOperations
from iamtui.service.simulation import SimulationOperations
from iamtui.service.sts import StsOperations
from iamtui.service.users import UserOperations
from iamtui.service.who_can import WhoCanOperations


class IamService(UserOperations, AccessKeyOperations, GroupOperations, RoleOperations,
                 InlinePolicyOperations, SignInOperations, AccountDetailsOperations,
                 AttachmentOperations, PolicyOperations, ResourcePolicyOperations, StsOperations,
                 SimulationOperations, AuditOperations, ReportOperations, WhoCanOperations,
                 AccountSettingsOperations):
    """Every IAM operation on one local store."""


__all__ = ["IamService", "Principal", "ServiceCore", "config_dir"]
