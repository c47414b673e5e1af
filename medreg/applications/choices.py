"""Application statuses and the transition table (the workflow is data, not code)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待机构确认")
    RETURNED = "returned", _("机构退回")
    RECEIVED = "received", _("待受理")
    CORRECTION = "correction", _("补正中")
    ACCEPTED = "accepted", _("已受理，审核中")
    REVIEWED = "reviewed", _("审核完成，待决定")
    APPROVED = "approved", _("准予许可")
    REFUSED = "refused", _("不予许可")
    WITHDRAWN = "withdrawn", _("已撤回")


FINAL = frozenset({Status.APPROVED, Status.REFUSED, Status.WITHDRAWN})
OPEN = frozenset(set(Status) - FINAL)

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.RECEIVED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset({Status.RECEIVED, Status.RETURNED, Status.WITHDRAWN}),
    Status.RETURNED: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.RECEIVED: frozenset({Status.ACCEPTED, Status.CORRECTION, Status.WITHDRAWN}),
    Status.CORRECTION: frozenset({Status.RECEIVED, Status.ACCEPTED, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset({Status.REVIEWED, Status.CORRECTION, Status.WITHDRAWN}),
    Status.REVIEWED: frozenset({Status.APPROVED, Status.REFUSED, Status.WITHDRAWN}),
    Status.APPROVED: frozenset(),
    Status.REFUSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


class Subject(models.TextChoices):
    PHYSICIAN = "physician", _("医师")
    NURSE = "nurse", _("护士")
    INSTITUTION = "institution", _("医疗机构")


class Stage(models.TextChoices):
    """A step of a review chain."""

    INSTITUTION = "institution", _("执业机构确认")
    ACCEPTANCE = "acceptance", _("卫生健康行政部门受理")
    REVIEW = "review", _("审核")
    DECISION = "decision", _("决定")


class Action(models.TextChoices):
    CREATE = "create", _("创建")
    SUBMIT = "submit", _("提交")
    CONFIRM = "confirm", _("机构确认")
    RETURN = "return", _("机构退回")
    REQUEST_CORRECTION = "request_correction", _("一次性告知补正")
    RESUBMIT = "resubmit", _("补正后重新提交")
    ACCEPT = "accept", _("受理")
    REVIEW = "review", _("审核")
    APPROVE = "approve", _("准予")
    REFUSE = "refuse", _("不予许可")
    WITHDRAW = "withdraw", _("撤回")
    EXTEND = "extend", _("延长办理期限")
    ATTACH = "attach", _("上传材料")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("近期二寸白底免冠照片")
    EMPLOYMENT_PROOF = "employment_proof", _("拟聘用证明")
    QUALIFICATION = "qualification", _("资格证书")
    HEALTH_CERT = "health_cert", _("体检证明")
    TRAINING_PROOF = "training_proof", _("临床培训及考核合格证明")
    RELEASE_PROOF = "release_proof", _("原执业机构解除聘用证明")
    ASSESSMENT_PROOF = "assessment_proof", _("考核合格证明")
    LOSS_NOTICE = "loss_notice", _("遗失声明")
    DAMAGED_CERTIFICATE = "damaged_cert", _("损毁的执业证书")
    EVENT_PROOF = "event_proof", _("注销事由证明材料")
    OTHER = "other", _("其他材料")
