"""Issuing, superseding and verifying e-licences (COSE_Sign1 over CWT, Base45 QR with prefix HL1:)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from medreg.audit import services as audit
from medreg.audit.choices import EventType
from medreg.core import identifiers
from medreg.core.conf import conf
from medreg.core.errors import DomainError, ErrorItem, NotFound, PermissionDenied, collect
from medreg.licences import cose, keys
from medreg.licences.choices import CURRENT_STATUSES, KIND_CODES, LicenceKind, LicenceStatus
from medreg.licences.models import ELicence, SigningKey

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User
    from medreg.institutions.models import Institution
    from medreg.people.models import PracticeRegistration

# Re-exported for callers of the earlier API (status lists, views, other streams' tests).
_key_password = keys.key_password
current_signing_key = keys.current_signing_key
ensure_signing_key = keys.ensure_signing_key


def status_list_size() -> int:
    return int(conf("STATUS_LIST_SIZE"))


def _random_status_index(authority_id: int, taken: set[int] | None = None) -> int:
    """A random free slot of the authority's status list (random, so an index reveals nothing)."""
    size = status_list_size()
    for _attempt in range(50):
        idx = secrets.randbelow(size)
        if taken is not None:
            if idx not in taken:
                taken.add(idx)
                return idx
        elif not ELicence.objects.filter(authority_id=authority_id, status_index=idx).exists():
            return idx
    raise RuntimeError("status list is full; enlarge STATUS_LIST_SIZE")


def status_uri(authority_id: int) -> str:
    """The stable URL of an authority's status list (kept short: it goes into every QR)."""
    return f"{keys.status_base()}{authority_id}"


def _status_uri(authority: Authority) -> str:
    return status_uri(authority.pk)


def issuer_code(authority: Authority) -> str:
    """``iss`` in the QR: the issuing authority's 6-digit division code (short; the trust list maps it,
    with the key, to the authority and its USCC)."""
    return authority.division_code or authority.uscc or str(authority.pk)


def compact_identifier(identifier: str, licence_no: str = "") -> str:
    """The 电子证照标识 as carried in the QR: ``版本号.校验位`` when the 流水号 is the licence number (claim 4),
    else ``流水号.版本号.校验位``. The root, the type code (from the kind) and the issuer's USCC (from the
    signing key's authority in the trust list) are implied. This keeps the QR at version 14 or below at ECC level Q."""
    serial, version, check = identifier.rsplit(".", 3)[1:]
    return f"{version}.{check}" if serial == licence_no else f"{serial}.{version}.{check}"


def expand_identifier(compact: str, *, kind: cose.LicenceKindCode, issuer: str | None, licence_no: str = "") -> str:
    """The full 电子证照标识 from the compact QR form (a full identifier is returned unchanged)."""
    if compact.startswith(identifiers.ELICENCE_ROOT + "."):
        return compact
    if compact.count(".") == 1:
        compact = f"{licence_no}.{compact}"
    kinds = {int(code): k for k, code in KIND_CODES.items()}
    type_code = conf("ELICENCE_TYPE_CODES")[kinds[int(kind)]]
    return f"{identifiers.ELICENCE_ROOT}.{type_code}.{issuer or ''}.{compact}"


def licence_claims(lic: ELicence, *, now: datetime, exp: datetime, cti: bytes | None = None) -> dict[int, Any]:
    """The integer-keyed, code-based CWT claims of one licence version (no ID number, no birth date)."""
    d = lic.data
    kind = LicenceKind(lic.kind)
    valid_until = d.get("valid_until")
    return cose.build_licence_claims(
        issuer=issuer_code(lic.authority),
        kind=cose.LicenceKindCode(KIND_CODES[kind]),
        identifier=compact_identifier(lic.identifier, lic.licence_no),
        holder_name=lic.holder_name,
        licence_number=lic.licence_no,
        issued_at=now,
        expires_at=exp,
        category_code=d.get("category_code") or None,
        scope_codes=tuple(d.get("scope_codes") or ()),  # an institution's 诊疗科目 are shown online only
        # the main institution of a practitioner; an institution's own USCC is shown online only
        institution=None if kind == LicenceKind.INSTITUTION else (d.get("institution_uscc") or None),
        valid_until=date.fromisoformat(valid_until) if valid_until else None,
        status_idx=lic.status_index,
        status_uri=status_uri(lic.authority_id),
        cti=cti,
    )


def _qr_expiry(lic: ELicence, key: SigningKey, now: datetime) -> datetime:
    exp = min(now + timedelta(days=conf("QR_LIFETIME_DAYS")), key.not_after)
    if lic.expires_at is not None:
        exp = min(exp, lic.expires_at)
    return exp if exp > now else now + timedelta(seconds=1)


def _sign(lic: ELicence, key: SigningKey, *, now: datetime) -> str:
    claims = licence_claims(lic, now=now, exp=_qr_expiry(lic, key, now))
    return cose.encode_qr_payload(cose.sign_cwt(claims, keys.private_key(key), bytes.fromhex(key.kid)))


def registration_face(registration: PracticeRegistration) -> dict[str, Any]:
    """The fields a practitioner licence shows (§4.2); a change in any of them makes a new version."""
    inst = registration.main_institution
    return {
        "level_code": registration.level_code,
        "category_code": registration.category_code,
        "scope_codes": list(registration.scope_codes),
        "practice_division": registration.practice_division_id,
        "institution_name": inst.name,
        "institution_uscc": inst.uscc,
        "registered_on": registration.registered_on.isoformat(),
        "valid_until": registration.valid_until.isoformat() if registration.valid_until else None,
    }


def _registration_expiry(registration: PracticeRegistration) -> datetime | None:
    """A nurse licence ends with its registration (end of the ``valid_until`` day, local time)."""
    if registration.valid_until is None:
        return None
    return _end_of_day(registration.valid_until)


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _issue(
    *,
    kind: LicenceKind,
    serial: str,
    authority: Authority,
    division_code: str,
    holder_name: str,
    licence_no: str,
    data: dict[str, Any],
    expires_at: datetime | None,
    acting_user: User | None,
    person_id: int | None = None,
    institution_id: int | None = None,
    registration_id: int | None = None,
    previous: ELicence | None = None,
) -> ELicence:
    """Create the next version of a licence, superseding ``previous``; runs in the caller's transaction."""
    if not authority.uscc:
        raise DomainError(_("发证机关未配置统一社会信用代码，无法生成电子证照标识。"), code="issuer_uscc")
    version = previous.version + 1 if previous else 1
    type_code = conf("ELICENCE_TYPE_CODES")[kind]
    identifier = identifiers.build_elicence_identifier(type_code, authority.uscc, serial, version)
    key = ensure_signing_key(authority, acting_user=acting_user)
    now = timezone.now()
    lic = ELicence(
        kind=kind,
        identifier=identifier,
        serial=serial,
        version=version,
        status=LicenceStatus.VALID,
        person_id=person_id,
        institution_id=institution_id,
        registration_id=registration_id,
        authority=authority,
        authority_division_code=division_code,
        holder_name=holder_name,
        licence_no=licence_no,
        data=data,
        signing_key=key,
        issued_at=now,
        expires_at=expires_at,
    )
    if expires_at is not None and expires_at <= now:
        lic.status = LicenceStatus.EXPIRED
    for _attempt in range(5):
        lic.status_index = _random_status_index(authority.pk)
        lic.qr_payload = _sign(lic, key, now=now)
        try:
            with transaction.atomic():
                lic.save(force_insert=True)
            break
        except IntegrityError:  # a concurrent issuance took the same random status slot
            lic.pk = None
    else:
        raise RuntimeError("could not allocate a status-list slot")
    if previous is not None and previous.status in CURRENT_STATUSES:
        _set_status(previous, LicenceStatus.SUPERSEDED, acting_user=acting_user, reason=identifier, now=now)
    audit.record(EventType.LICENCE_ISSUED, actor=acting_user, subject=lic, authority_id=authority.pk,
                 institution_id=institution_id, data={"identifier": identifier, "version": version, "kid": key.kid})
    return lic


_STATUS_EVENTS = {
    LicenceStatus.SUPERSEDED: EventType.LICENCE_SUPERSEDED,
    LicenceStatus.REVOKED: EventType.LICENCE_REVOKED,
    LicenceStatus.SUSPENDED: EventType.LICENCE_SUSPENDED,
    LicenceStatus.VALID: EventType.LICENCE_REINSTATED,
    LicenceStatus.EXPIRED: EventType.LICENCE_EXPIRED,
}


def _set_status(
    lic: ELicence, status: LicenceStatus, *, acting_user: User | None, reason: str, now: datetime | None = None
) -> ELicence:
    """Change one (locked) licence version's status and audit it; the status list follows on commit."""
    if lic.status == status:
        return lic
    lic.status, lic.status_changed_at, lic.status_reason = status, now or timezone.now(), reason[:200]
    lic.save(update_fields=["status", "status_changed_at", "status_reason"])
    audit.record(_STATUS_EVENTS[status], actor=acting_user, subject=lic, authority_id=lic.authority_id,
                 institution_id=lic.institution_id, data={"reason": reason[:200], "identifier": lic.identifier})
    _status_changed(lic.authority_id)
    return lic


def _status_changed(authority_id: int) -> None:
    """The status list changes in the same transaction: its snapshot is marked for regeneration."""
    from medreg.licences import status_list

    status_list.mark_dirty(authority_id)


def _current(**filters: Any) -> ELicence | None:
    """The latest version of a licence (locked), whatever its status."""
    return ELicence.objects.select_for_update().filter(**filters).order_by("-version").first()


def issue_for_registration(registration: PracticeRegistration, *, acting_user: User | None) -> ELicence:
    """Issue (or re-issue as a new version) the e-licence of a practice registration.

    Runs inside the caller's transaction: a rolled-back approval leaves no licence behind.
    """
    kind = LicenceKind.PHYSICIAN if registration.profession == "physician" else LicenceKind.NURSE
    return _issue(
        kind=kind,
        serial=registration.certificate_no,
        authority=registration.authority,
        division_code=registration.authority_division_code,
        holder_name=registration.person.name,
        licence_no=registration.certificate_no,
        data=registration_face(registration),
        expires_at=_registration_expiry(registration),
        acting_user=acting_user,
        person_id=registration.person_id,
        registration_id=registration.pk,
        previous=_current(registration=registration),
    )


def sync_registration_licence(
    registration: PracticeRegistration, *, acting_user: User | None, reason: str = ""
) -> ELicence | None:
    """Bring the registration's e-licence in line with the registration (the cross-stream contract).

    Call it after any change to a PracticeRegistration, inside the same transaction:

    * cancelled / lapsed → the current version is revoked;
    * suspended → the current version is suspended;
    * active again → a suspended version is reinstated; a revoked, expired or missing one is re-issued;
    * displayed fields changed (or the nurse registration was renewed) → a new version, the old one
      superseded;
    * a nurse registration past its ``valid_until`` → the licence is expired.

    Returns the current version (``None`` when there is none and the registration is not active).
    """
    from medreg.people.choices import RegistrationStatus

    with transaction.atomic():
        lic = _current(registration=registration)
        reg_status = registration.status
        now = timezone.now()
        if reg_status in (RegistrationStatus.CANCELLED, RegistrationStatus.LAPSED):
            if lic is not None and lic.status in CURRENT_STATUSES:
                _set_status(lic, LicenceStatus.REVOKED, acting_user=acting_user, reason=reason or reg_status)
            return lic
        if reg_status == RegistrationStatus.SUSPENDED:
            if lic is not None and lic.status == LicenceStatus.VALID:
                _set_status(lic, LicenceStatus.SUSPENDED, acting_user=acting_user, reason=reason or reg_status)
            return lic
        if reg_status != RegistrationStatus.ACTIVE:  # a status another stream added (e.g. superseded)
            if lic is not None and lic.status in CURRENT_STATUSES:
                _set_status(lic, LicenceStatus.REVOKED, acting_user=acting_user, reason=reason or reg_status)
            return lic
        expiry = _registration_expiry(registration)
        if expiry is not None and expiry <= now:
            if lic is not None and lic.status in CURRENT_STATUSES:
                _set_status(lic, LicenceStatus.EXPIRED, acting_user=acting_user, reason=reason or "valid_until")
            return lic
        face = registration_face(registration)
        holder = registration.person.name
        if (
            lic is None
            or lic.status not in CURRENT_STATUSES
            or lic.data != face
            or lic.holder_name != holder
            or lic.licence_no != registration.certificate_no
            or lic.authority_id != registration.authority_id
        ):
            if not registration.authority.uscc:  # cannot build a 电子证照标识; never break the caller's change
                return lic
            return issue_for_registration(registration, acting_user=acting_user)
        if lic.status == LicenceStatus.SUSPENDED:
            _set_status(lic, LicenceStatus.VALID, acting_user=acting_user, reason=reason or "reinstated")
        return lic


# -- 医疗机构执业许可证 (正本 + 副本) ----------------------------------------------------------------------------
def _institution_copy_lines(institution: Institution) -> list[list[str]]:
    """副本 lines ``[date, text]``: the 校验 records and the change records, oldest first.

    Read through the institutions app's related managers ``verifications`` (VerificationRecord) and
    ``changes`` (InstitutionChange); either may be absent in an older schema.
    """
    with translation.override(settings.LANGUAGE_CODE):  # the licence face is always in Chinese
        return _copy_lines(institution)


def _copy_lines(institution: Institution) -> list[list[str]]:
    lines: list[tuple[str, int, str]] = []
    verifications = getattr(institution, "verifications", None)
    if verifications is not None:
        for v in verifications.all():
            text = str(_("校验：{outcome}")).format(outcome=_display(v, "outcome"))
            if getattr(v, "deferred_until", None):
                text += str(_("，暂缓至{date}")).format(date=v.deferred_until.isoformat())
            lines.append((v.decided_on.isoformat(), 0, text))
    changes = getattr(institution, "changes", None)
    if changes is not None:
        for c in changes.all():
            text = str(_("变更：{kind}")).format(kind=_display(c, "kind"))
            if getattr(c, "note", ""):
                text += f"（{c.note}）"
            lines.append((c.occurred_on.isoformat(), 1, text))
    return [[day, text] for day, _order, text in sorted(lines)]


def _display(row: Any, name: str) -> str:
    getter = getattr(row, f"get_{name}_display", None)
    return str(getter() if callable(getter) else getattr(row, name, "") or "")


def institution_face(institution: Institution) -> dict[str, Any]:
    """The fields a 医疗机构执业许可证 shows: 正本 fields plus the 副本 lines (校验 and changes)."""
    subjects = sorted(institution.subjects.values_list("code", flat=True))
    return {
        "uscc": institution.uscc,
        "registration_no": institution.registration_no,
        "address": institution.address,
        "legal_representative": institution.legal_representative,
        "principal": institution.principal,
        "category_code": institution.category_code,
        "management_type": institution.management_type,
        "economic_type": institution.economic_type,
        "subject_codes": subjects,
        "beds": institution.beds,
        "dental_chairs": institution.dental_chairs,
        "aliases": institution.aliases,
        "valid_from": _iso(institution.licence_valid_from),
        "valid_until": _iso(institution.licence_valid_until),
        "copy_lines": _institution_copy_lines(institution),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _serial_for_institution(institution: Institution) -> str:
    serial = "".join(ch for ch in institution.registration_no.upper() if ch.isascii() and ch.isalnum())
    return serial or f"I{institution.pk}"


def issue_for_institution(institution: Institution, *, acting_user: User | None) -> ELicence:
    """Issue (or re-issue as a new version) the 医疗机构执业许可证 of an institution.

    The previous version, if any, is superseded. Runs in (or opens) one transaction.
    """
    with transaction.atomic():
        previous = _current(institution=institution, kind=LicenceKind.INSTITUTION)
        lic = _issue(
            kind=LicenceKind.INSTITUTION,
            serial=_serial_for_institution(institution),
            authority=institution.licensing_authority,
            division_code=institution.division_code,
            holder_name=institution.name,
            licence_no=institution.registration_no,
            data=institution_face(institution),
            expires_at=_end_of_day(institution.licence_valid_until) if institution.licence_valid_until else None,
            acting_user=acting_user,
            institution_id=institution.pk,
            previous=previous,
        )
        return lic


def sync_institution_licence(
    institution: Institution, *, acting_user: User | None, reason: str = ""
) -> ELicence | None:
    """Bring the institution's 执业许可证 in line with the institution (the cross-stream contract).

    cancelled → revoked; suspended (停业) → suspended; active → reinstated, or a new version when any
    正本/副本 field changed (a 校验 record, a change of address, subjects, ...); past the licence's
    validity → expired. Returns the current version (``None`` if none and not active).
    """
    from medreg.institutions.choices import InstitutionStatus

    with transaction.atomic():
        lic = _current(institution=institution, kind=LicenceKind.INSTITUTION)
        status = institution.status
        if status == InstitutionStatus.CANCELLED:
            if lic is not None and lic.status in CURRENT_STATUSES:
                _set_status(lic, LicenceStatus.REVOKED, acting_user=acting_user, reason=reason or status)
            return lic
        if status == InstitutionStatus.SUSPENDED:
            if lic is not None and lic.status == LicenceStatus.VALID:
                _set_status(lic, LicenceStatus.SUSPENDED, acting_user=acting_user, reason=reason or status)
            return lic
        if status != InstitutionStatus.ACTIVE:
            if lic is not None and lic.status in CURRENT_STATUSES:
                _set_status(lic, LicenceStatus.REVOKED, acting_user=acting_user, reason=reason or status)
            return lic
        until = institution.licence_valid_until
        if until is not None and _end_of_day(until) <= timezone.now():
            if lic is not None and lic.status in CURRENT_STATUSES:
                _set_status(lic, LicenceStatus.EXPIRED, acting_user=acting_user, reason=reason or "valid_until")
            return lic
        if (
            lic is None
            or lic.status not in CURRENT_STATUSES
            or lic.data != institution_face(institution)
            or lic.holder_name != institution.name
            or lic.licence_no != institution.registration_no
            or lic.authority_id != institution.licensing_authority_id
        ):
            if not institution.licensing_authority.uscc:
                return lic
            return issue_for_institution(institution, acting_user=acting_user)
        if lic.status == LicenceStatus.SUSPENDED:
            _set_status(lic, LicenceStatus.VALID, acting_user=acting_user, reason=reason or "reinstated")
        return lic


def expire_due_licences(*, acting_user: User | None = None, now: datetime | None = None) -> int:
    """Mark every current licence past its ``expires_at`` as expired (a periodic job). Returns the count."""
    now = now or timezone.now()
    count = 0
    due = ELicence.objects.filter(status__in=CURRENT_STATUSES, expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due.iterator(chunk_size=2000)):
        with transaction.atomic():
            lic = ELicence.objects.select_for_update().get(pk=pk)
            if lic.status in CURRENT_STATUSES and lic.expires_at is not None and lic.expires_at <= now:
                _set_status(lic, LicenceStatus.EXPIRED, acting_user=acting_user, reason="expired", now=now)
                count += 1
    return count


@transaction.atomic
def revoke_licence(licence_id: int, *, acting_user: User | None, reason: str) -> ELicence:
    """Revoke a licence version; every verifier sees it as invalid from now on."""
    lic = ELicence.objects.select_for_update().get(pk=licence_id)
    if lic.status == LicenceStatus.REVOKED:
        return lic
    return _set_status(lic, LicenceStatus.REVOKED, acting_user=acting_user, reason=reason)


# -- verification ------------------------------------------------------------------------------------
@dataclass
class Verification:
    """The outcome a verifier shows: signature check, current status, and the public licence facts.

    ``outcome`` is the one-word verdict the verify page shows: ``valid``, ``invalid`` (suspended,
    superseded, unknown, key mismatch), ``expired`` or ``revoked``.
    """

    valid: bool
    status: str
    status_label: str
    message: str
    checked_at: datetime
    facts: dict[str, Any] = field(default_factory=dict)
    issuer: str = ""
    kid: str = ""
    outcome: str = "invalid"
    licence_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        facts = {k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in self.facts.items()}
        return {
            "valid": self.valid, "outcome": self.outcome, "status": self.status, "status_label": self.status_label,
            "message": self.message, "checked_at": self.checked_at.isoformat(), "issuer": self.issuer,
            "kid": self.kid, "licence": facts,
        }


def _resolve_key(kid: bytes) -> cose.PublicKey | None:
    return keys.resolve_key(kid)


_MESSAGES = {
    LicenceStatus.VALID: _("证照有效。"),
    LicenceStatus.SUSPENDED: _("证照当前处于暂停状态。"),
    LicenceStatus.REVOKED: _("证照已注销或吊销，当前无效。"),
    LicenceStatus.SUPERSEDED: _("这是旧版本证照，已被新版本替代，请出示最新电子证照。"),
    LicenceStatus.EXPIRED: _("证照已过有效期。"),
}
_OUTCOMES = {
    LicenceStatus.VALID: "valid",
    LicenceStatus.SUSPENDED: "invalid",
    LicenceStatus.REVOKED: "revoked",
    LicenceStatus.SUPERSEDED: "invalid",
    LicenceStatus.EXPIRED: "expired",
}


def _status_now(stored: str, expires_at: datetime | None, registration_status: str | None,
                now: datetime) -> LicenceStatus:
    """A licence's status now: the stored one, corrected for an end date passed or a registration change
    that has not been synchronised yet."""
    status = LicenceStatus(stored)
    if status in CURRENT_STATUSES and expires_at is not None and expires_at <= now:
        return LicenceStatus.EXPIRED
    if status == LicenceStatus.VALID and registration_status is not None and registration_status != "active":
        return LicenceStatus.SUSPENDED if registration_status == "suspended" else LicenceStatus.REVOKED
    return status


@dataclass(frozen=True)
class LicenceRecord:
    """What a verifier needs of one licence version: its public columns, its authority's name, its signing
    key's id and its registration's status. Read in one query whose SQL is compiled once per process
    (:mod:`medreg.core.querycache`): verification is the busiest public endpoint."""

    pk: int
    kind: str
    identifier: str
    version: int
    status: str
    expires_at: datetime | None
    holder_name: str
    licence_no: str
    data: dict[str, Any]
    issued_at: datetime
    authority_id: int
    authority_name: str
    kid: str
    registration_id: int | None
    registration_status: str | None

    def status_now(self, now: datetime) -> LicenceStatus:
        return _status_now(self.status, self.expires_at, self.registration_status, now)


_RECORD_COLUMNS = {
    "pk": "pk", "kind": "kind", "identifier": "identifier", "version": "version", "status": "status",
    "expires_at": "expires_at", "holder_name": "holder_name", "licence_no": "licence_no", "data": "data",
    "issued_at": "issued_at", "authority_id": "authority_id", "authority_name": "authority__name",
    "kid": "signing_key__kid", "registration_id": "registration_id", "registration_status": "registration__status",
}


def licence_record(parsed: identifiers.ElicenceIdentifier) -> LicenceRecord | None:
    """The licence version a 电子证照标识 names, or None."""
    from medreg.core import querycache

    def make(v: Any) -> Any:
        found = ELicence.objects.by_identifier(v["serial"], v["version"], v["identifier"])
        return found.order_by().values(*_RECORD_COLUMNS.values())[:1]  # unique identifier: no ORDER BY needed

    rows = querycache.values_rows(
        ("licence_record",), make, {"serial": parsed.serial, "version": parsed.version, "identifier": parsed.identifier})
    if not rows:
        return None
    return LicenceRecord(**{name: rows[0][col] for name, col in _RECORD_COLUMNS.items()})


def public_facts(lic: LicenceRecord | None, claims: cose.LicenceClaims | None = None) -> dict[str, Any]:
    """The public fields of a licence (never an ID number, birth date or phone)."""
    from medreg.reference import selectors as ref

    facts: dict[str, Any] = {}
    if claims is not None:
        cat_table = "institution_category" if claims.kind == cose.LicenceKindCode.INSTITUTION else "practice_category"
        scope_table = "medical_subject" if claims.kind == cose.LicenceKindCode.INSTITUTION else "practice_scope"
        facts.update({
            "holder_name": claims.holder_name,
            "licence_no": claims.licence_number,
            "category": _code_name(ref, cat_table, claims.category_code),
            "scopes": [_code_name(ref, scope_table, c) for c in claims.scope_codes],
            "valid_until": claims.valid_until.isoformat() if claims.valid_until else None,
        })
    if lic is not None:
        d = lic.data
        facts.update({
            "kind": str(LicenceKind(lic.kind).label),
            "kind_code": lic.kind,
            "identifier": lic.identifier,
            "version": lic.version,
            "holder_name": lic.holder_name,
            "licence_no": lic.licence_no,
            "institution": d.get("institution_name", "") if lic.kind != LicenceKind.INSTITUTION else lic.holder_name,
            "issuer": lic.authority_name,
            "issued_at": lic.issued_at,
        })
        if lic.kind == LicenceKind.INSTITUTION:
            facts["address"] = d.get("address", "")
    return facts


def _code_name(ref: Any, table: str, code: str | None) -> str:
    if not code:
        return ""
    try:
        return str(ref.code_name(table, code) or code)
    except Exception:  # noqa: BLE001 - an unknown table or code shows the code itself
        return code


def verify_qr(text: str, *, now: datetime | None = None) -> Verification:
    """Check the signature offline-style, then look up the licence's status now.

    Raises :class:`~medreg.licences.cose.QRVerificationError` for a malformed, forged or expired code.
    """
    now = now or timezone.now()
    token = cose.verify_cwt(cose.decode_qr_payload(text), _resolve_key, now=now)
    claims = cose.parse_licence_claims(token.claims)
    signer = keys.key_info(token.kid)
    if signer is None or claims.issuer != signer.issuer_iss:
        raise cose.QRVerificationError("qr_structure", "iss does not match the signing key's authority")
    identifier = expand_identifier(claims.identifier, kind=claims.kind, issuer=signer.issuer_uscc,
                                   licence_no=claims.licence_number)
    try:
        parsed = identifiers.validate_elicence_identifier(identifier)
    except DomainError as exc:
        raise cose.QRVerificationError("qr_structure", f"bad identifier ({exc.code})") from exc
    lic = licence_record(parsed)
    facts = public_facts(lic, claims)
    facts.setdefault("identifier", identifier)
    facts["qr_issued_at"], facts["qr_expires_at"] = token.issued_at, token.expires_at
    if lic is None:
        return Verification(False, "unknown", str(_("未登记")), str(_("签名有效，但登记库中没有这份证照。")),
                            now, facts, kid=token.kid.hex())
    if signer.authority_id != lic.authority_id:
        # A valid signature by another authority's key over this licence's identifier: not ours to vouch for.
        return Verification(False, "mismatch", str(_("签发密钥不符")),
                            str(_("二维码的签发密钥与登记库中该证照的签发密钥不一致，不能确认其真实性。")),
                            now, facts, issuer=lic.authority_name, kid=token.kid.hex(), licence_id=lic.pk)
    status = lic.status_now(now)
    return Verification(
        valid=status == LicenceStatus.VALID,
        status=str(status),
        status_label=str(status.label),
        message=str(_MESSAGES[status]),
        checked_at=now,
        facts=facts,
        issuer=lic.authority_name,
        kid=token.kid.hex(),
        outcome=_OUTCOMES[status],
        licence_id=lic.pk,
    )


def licence_status(identifier: str, *, now: datetime | None = None) -> Verification:
    """The online status of one licence version by its 电子证照标识 (the 查验 by identifier).

    Raises :class:`NotFound` for an unknown identifier and ``DomainError`` for a malformed one.
    """
    now = now or timezone.now()
    parsed = identifiers.validate_elicence_identifier(identifier, field="identifier")
    lic = licence_record(parsed)
    if lic is None:
        raise NotFound(_("登记库中没有这份证照。"), code="licence_unknown", field="identifier")
    status = lic.status_now(now)
    return Verification(status == LicenceStatus.VALID, str(status), str(status.label), str(_MESSAGES[status]), now,
                        public_facts(lic), issuer=lic.authority_name, kid=lic.kid,
                        outcome=_OUTCOMES[status], licence_id=lic.pk)


@transaction.atomic
def check_licence(
    *, acting_user: User, reason: str, qr: str = "", identifier: str = "", item_code: str = ""
) -> Verification:
    """A logged 查验 (依职能查验): a signed-in verifier checks a licence by QR or by 电子证照标识 and gives
    the reason (申请事由); the check is recorded (who, when, which licence, why, result) and audited.

    Authority and institution users may check (another commission, an internet-hospital platform);
    anonymous users and individuals may not.
    """
    from medreg.accounts.choices import UserKind
    from medreg.licences.models import LicenceCheck

    if acting_user is None or not acting_user.is_authenticated:
        raise PermissionDenied(_("请先登录。"), code="login_required")
    if acting_user.kind not in (UserKind.STAFF, UserKind.INSTITUTION, UserKind.SYSTEM):
        raise PermissionDenied(_("只有管理端和机构端用户可以依职能查验证照。"), code="check_forbidden")
    errors = []
    reason = (reason or "").strip()
    if len(reason) < 2:
        errors.append(ErrorItem(code="reason_required", field="reason", message=_("请填写申请事由。")))
    if len(reason) > 200:
        errors.append(ErrorItem(code="reason_too_long", field="reason", message=_("申请事由不能超过200个字。")))
    if not qr.strip() and not identifier.strip():
        errors.append(ErrorItem(code="subject_required", field="qr", message=_("请提供证照二维码内容或电子证照标识。")))
    collect(errors)
    result = verify_qr(qr) if qr.strip() else licence_status(identifier.strip())
    LicenceCheck.objects.create(
        checked_by=acting_user, licence_id=result.licence_id, identifier=str(result.facts.get("identifier", ""))[:120],
        reason=reason, item_code=item_code[:40], result=result.status[:20], checked_at=result.checked_at,
    )
    authority_id = None
    if result.licence_id is not None:
        authority_id = ELicence.objects.filter(pk=result.licence_id).values_list("authority_id", flat=True).first()
    audit.record(EventType.LICENCE_CHECKED, actor=acting_user,
                 subject=("licences.elicence", result.licence_id or 0), authority_id=authority_id,
                 data={"reason": reason, "item_code": item_code[:40], "result": result.status})
    return result


def dynamic_qr(lic: ELicence, *, now: datetime | None = None) -> tuple[str, datetime]:
    """A short-lived QR (the 亮证 code): the licence's claims with ``exp`` = now + ``DYNAMIC_QR_SECONDS``
    and a random ``cti``, signed with the licence's authority's current key. Verifiable like any other
    (offline signature, online status); a screenshot is useless after it expires."""
    now = now or timezone.now()
    key = keys.current_signing_key(lic.authority) or lic.signing_key
    exp = now + timedelta(seconds=int(conf("DYNAMIC_QR_SECONDS")))
    claims = licence_claims(lic, now=now, exp=exp, cti=secrets.token_bytes(8))
    text = cose.encode_qr_payload(cose.sign_cwt(claims, keys.private_key(key), bytes.fromhex(key.kid)))
    return text, exp
