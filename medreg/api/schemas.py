"""Request and response schemas of the API. They are written out field by field, apart from the models:
the API is a contract with partner systems and must not change when a model gains a column.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """Response bodies built from dicts: plain pydantic models. ninja's ``Schema`` would first wrap every
    dict in its ORM attribute getter, which cost a fifth of a public search request. Undeclared keys are
    dropped all the same (pydantic's default ``extra="ignore"``)."""


class StrictIn(Schema):
    """Request bodies reject unknown keys, so a typo is an error instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


# -- errors -------------------------------------------------------------------------------------------------
class ProblemItem(Schema):
    code: str
    field: str | None = None
    message: str
    message_zh: str
    message_en: str


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(examples=["urn:medreg:error:not_found"])
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemItem]


# -- auth ---------------------------------------------------------------------------------------------------
class TokenIn(StrictIn):
    username: str = Field(max_length=150)
    password: str = Field(max_length=256)


class TokenOut(Schema):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


# -- common -------------------------------------------------------------------------------------------------
class Ref(Schema):
    id: int
    name: str


class CodeName(Schema):
    code: str
    name: str


# -- business items -----------------------------------------------------------------------------------------
class StageOut(Schema):
    code: str
    label: str


class OptionOut(Schema):
    value: str
    label: str


class FieldSpecOut(Schema):
    name: str
    label: str
    kind: str
    required: bool
    help_text: str
    choices_table: str | None = None
    choices_url: str | None = None
    options: list[OptionOut] = Field(default_factory=list, description="Fixed choices of a choice field")
    autofill: str | None = None
    max_length: int | None = None


class AttachmentSpecOut(Schema):
    kind: str
    label: str
    required: bool
    images_only: bool
    help_text: str


class ItemOut(Schema):
    code: str
    name: str
    name_en: str
    subject: str
    subject_label: str
    applicant: str
    review_chain: list[StageOut]
    statutory_limit_days: int
    legal_basis: str
    description: str
    materials_note: str
    fields: list[FieldSpecOut]
    attachments: list[AttachmentSpecOut]


# -- applications -------------------------------------------------------------------------------------------
class ApplicationCreateIn(StrictIn):
    item_code: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


class ApplicationUpdateIn(StrictIn):
    data: dict[str, Any]


class ApplicationSummary(Schema):
    id: int
    number: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    person_name: str | None = None
    institution: Ref | None = None
    authority: Ref
    created_at: datetime
    submitted_at: datetime | None = None
    due_on: date | None = None


class ApplicationPage(Schema):
    items: list[ApplicationSummary]
    next_cursor: str | None = None


class ClockOut(Schema):
    due_on: date | None = None
    remaining: int | None = Field(None, description="Working days left; negative when overdue")
    running: bool
    overdue: bool
    near_due: bool


class AttachmentOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class TimelineOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    comment: str
    data: dict[str, Any]
    at: datetime


class ApplicationDetail(ApplicationSummary):
    form_data: dict[str, Any]
    statutory_limit_days: int
    received_at: datetime | None = None
    accepted_on: date | None = None
    decided_at: datetime | None = None
    decision_reason: str
    refusal_grounds: list[str]
    review_opinion: str
    correction_items: list[str]
    extension_days: int = Field(0, description="Working days added to the limit by the approver (once, 行政许可法 42)")
    extension_reason: str = ""
    co_institution: str | None = Field(
        None, description="The former main institution, which confirms a change of main institution too")
    institution_confirmed_at: datetime | None = None
    co_institution_confirmed_at: datetime | None = None
    clock: ClockOut
    attachments: list[AttachmentOut]
    timeline: list[TimelineOut]


# One body schema per action: only the keys that action takes are accepted.
class SubmitIn(StrictIn):
    pass


class WithdrawIn(StrictIn):
    reason: str = ""


class ResubmitIn(StrictIn):
    comment: str = ""


class ConfirmIn(StrictIn):
    comment: str = ""


class ReturnIn(StrictIn):
    reason: str


class CorrectionIn(StrictIn):
    items: list[str] = Field(max_length=50)
    comment: str = ""


class AcceptIn(StrictIn):
    comment: str = ""


class ReviewIn(StrictIn):
    opinion: str
    recommend: Literal["approve", "refuse"]


class ApproveIn(StrictIn):
    comment: str = ""


class RefuseIn(StrictIn):
    reason: str
    grounds: list[str] = Field(default_factory=list, max_length=20)


class ExtendIn(StrictIn):
    reason: str


# -- the caller ---------------------------------------------------------------------------------------------
class RoleOut(Schema):
    role: str
    label: str
    authority: Ref | None = None
    institution: Ref | None = None


class PersonSummary(Schema):
    """No ID number, birth date, phone or qualification certificate code: those never leave via /me."""

    id: int
    name: str
    gender: str
    education: str
    school: str
    title: str


class MeOut(Schema):
    username: str
    kind: str
    kind_label: str
    real_name: str
    roles: list[RoleOut]
    person: PersonSummary | None = None


class LicenceOut(Schema):
    identifier: str
    version: int
    status: str
    status_label: str
    kind: str
    kind_label: str
    licence_no: str
    holder_name: str
    issued_at: datetime
    issuer: str
    category: CodeName | None = None
    scopes: list[CodeName]
    institution: str
    qr: str = Field(description="The signed QR payload (HL1:...) to render as a QR code")


# -- public -------------------------------------------------------------------------------------------------
class InstitutionOut(Schema):
    id: int
    name: str
    division: str
    category: str
    registration_no: str
    uscc: str


class VerifyIn(StrictIn):
    qr: str = Field(description="The scanned text, starting with HL1:")


class VerifiedLicence(Out):
    holder_name: str
    licence_no: str
    identifier: str
    kind: str
    category: str
    scopes: list[str]
    institution: str
    issued_at: datetime | None = None
    qr_expires_at: datetime | None = None


class VerifyOut(Out):
    valid: bool
    outcome: str = Field("valid", description="valid, invalid, expired or revoked")
    status: str
    status_label: str
    message: str
    checked_at: datetime
    issuer: str
    licence: VerifiedLicence


class CodeOut(Schema):
    code: str
    name: str
    name_en: str
    parent_code: str


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = None


# -- people: self-registration and activation ---------------------------------------------------------------
# Generous length guards only: the service validates every field and words the messages (the same ones the
# portal shows), so the schema must not pre-empt it with pydantic's generic errors.
class RegisterIn(StrictIn):
    name: str = Field(max_length=60, description="The legal name, as on the ID card and the qualification")
    id_number: str = Field(max_length=32, description="居民身份证号码; never echoed back in any response")
    phone: str = Field(max_length=32, description="11-digit mainland mobile number; never echoed back")
    username: str = Field(max_length=60)
    password: str = Field(max_length=256)
    profession: str = Field("physician", max_length=16, description="physician or nurse")


class RegisterOut(Schema):
    username: str
    kind: str


class ActivationRequestIn(StrictIn):
    institution_id: int


class ActivateIn(StrictIn):
    institution_id: int
    code: str = Field(max_length=16, description="The six-digit code the institution sent")


class AffiliationInstitution(Schema):
    id: int
    name: str
    contact_phone: str = Field(description="The institution's public office number")


class AffiliationOut(Schema):
    id: int
    institution: AffiliationInstitution
    status: str
    status_label: str
    requested_at: datetime
    activated_at: datetime | None = None


class ActivationRequestOut(Schema):
    """A pending activation as the institution's staff see it: a masked phone, never the ID number."""

    id: int
    person_name: str
    gender: str
    gender_label: str
    phone_masked: str
    requested_at: datetime
    code_expires_at: datetime | None = Field(None, description="Set once a code has been sent")


class ActivationRequestPage(Schema):
    items: list[ActivationRequestOut]
    next_cursor: str | None = None


class ActivationModeIn(StrictIn):
    mode: str = Field(max_length=16, description="code (staff send a code) or auto (activate on request)")


class ActivationModeOut(Schema):
    institution: Ref
    activation_mode: str
    activation_mode_label: str


class RosterRegistration(Schema):
    certificate_no: str
    status: str
    status_label: str


class RosterEntry(Schema):
    affiliation_id: int
    person_name: str
    gender: str
    gender_label: str
    department: str
    registration: RosterRegistration | None = Field(
        None, description="The registration with this institution as main site: the active one, else the latest"
    )


class RosterPage(Schema):
    items: list[RosterEntry]
    next_cursor: str | None = None


# -- accounts -----------------------------------------------------------------------------------------------
class AuthorityIn(StrictIn):
    name: str = Field(max_length=120)
    level: str = Field(max_length=10, description="province, city or county (national for the system only)")
    division_code: str | None = Field(None, max_length=6, description="GB/T 2260 code at that level")
    uscc: str = Field("", max_length=18)
    kind: Literal["commission", "approval_bureau"] = "commission"


class AuthorityOut(Schema):
    id: int
    name: str
    level: str
    level_label: str
    kind: str
    kind_label: str
    division_code: str
    division_name: str
    parent: Ref | None = None
    uscc: str


class AccountIn(StrictIn):
    username: str = Field(max_length=60)
    real_name: str = Field(max_length=60)
    password: str = Field(max_length=256)
    roles: list[str] = Field(max_length=10)
    phone: str = Field("", max_length=32, description="Optional; stored encrypted and never echoed back")


class AccountOut(Schema):
    """A new account. The phone is not returned."""

    id: int
    username: str
    kind: str
    kind_label: str
    real_name: str
    roles: list[RoleOut]
