from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    STAFF = "staff", _("管理端人员")
    INSTITUTION = "institution", _("机构端人员")
    INDIVIDUAL = "individual", _("医师/护士")
    SYSTEM = "system", _("系统")


class AuthorityLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class AuthorityKind(models.TextChoices):
    COMMISSION = "commission", _("卫生健康委员会")
    APPROVAL_BUREAU = "approval_bureau", _("行政审批局")


class Role(models.TextChoices):
    CLERK = "clerk", _("受理")
    REVIEWER = "reviewer", _("审核")
    APPROVER = "approver", _("决定")
    SUPERVISION = "supervision", _("监督")
    AUTHORITY_ADMIN = "authority_admin", _("管理端管理员")
    INSTITUTION_ADMIN = "institution_admin", _("机构管理员")
    INSTITUTION_REVIEWER = "institution_reviewer", _("机构审核员")


AUTHORITY_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION, Role.AUTHORITY_ADMIN})
INSTITUTION_ROLES = frozenset({Role.INSTITUTION_ADMIN, Role.INSTITUTION_REVIEWER})


class ActivationMode(models.TextChoices):
    CODE = "code", _("发送激活码")
    AUTO = "auto", _("自动激活")
