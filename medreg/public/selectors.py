"""Reads for the public site, the open read API and the open-data files: an explicit exemption from
``for_user`` scoping.

Two guards keep personal data out:

* an allow-list of columns: each query selects exactly the columns in ``_PRACTITIONER_COLUMNS`` /
  ``_INSTITUTION_COLUMNS`` with ``values()``, so ID numbers, birth dates, phones and 资格证书编码 are never
  even loaded (they have no entry there at all);
* the publication policy (:mod:`medreg.public.policy`), which then drops every field the record's status
  does not publish to the audience asking.

Records are plain dicts with stable keys (documented in ``docs/open-data.md``); a withheld field is
absent from the dict. Nothing here reuses staff serializers or selectors.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from medreg.core import querycache
from medreg.core.errors import DomainError
from medreg.institutions.models import Institution, InstitutionSubject
from medreg.people.choices import Profession, RegistrationStatus
from medreg.people.models import PracticeRegistration
from medreg.public.policy import PUBLIC, Policy, current_policy
from medreg.reference import selectors as ref
from medreg.reference.models import Division

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
GENDER_LABELS = {"M": "男", "F": "女", "1": "男", "2": "女"}
GENDER_LABELS_EN = {"男": "Male", "女": "Female"}
_HIDDEN_DIVISION_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")

# policy field -> the columns it needs. Personal data has no entry: it cannot be selected from here.
_PRACTITIONER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("person__name",),
    "gender": ("person__gender",),
    "profession": ("profession",),
    "level": ("level_code",),
    "category": ("category_code",),
    "scopes": ("scope_codes",),
    "main_institution": ("main_institution_id", "main_institution__name"),
    "practice_place": ("practice_division_id",),  # names from ref.division_chain: no join
    "status": ("status",),
    "registered_on": ("registered_on",),
    "valid_until": ("valid_until",),
    "title": ("person__title",),
    "certificate_no": ("certificate_no",),
    "education": ("person__education",),
    "school": ("person__school",),
}
_ALWAYS_PRACTITIONER = ("pk", "person_id", "status", "profession", "updated_at")

_INSTITUTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "aliases": ("aliases",),
    "uscc": ("uscc",),
    "registration_no": ("registration_no",),
    "category": ("category_code",),
    "grade": ("grade_code",),
    "division": ("division_code",),  # names from ref.division_chain (division_code = the division FK): no join
    "address": ("address",),
    "licensing_authority": ("licensing_authority__name",),
    "legal_representative": ("legal_representative",),
    "principal": ("principal",),
    "beds": ("beds",),
    "licence_valid_from": ("licence_valid_from",),
    "licence_valid_until": ("licence_valid_until",),
    "status": ("status",),
    "validation": ("verification_state", "verification_due_on", "verification_overdue_since"),
    "contact_phone": ("contact_phone",),
}
_ALWAYS_INSTITUTION = ("pk", "status", "updated_at")


class InvalidCursor(DomainError):
    status_code = 400


# -- small helpers -------------------------------------------------------------------------------------------
def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _label(table: str, code: str, english: bool | None = None) -> str:
    if not code:
        return ""
    found = ref.code_map(table).get(code)
    if found is None:
        return code
    return found.label("en" if (_english() if english is None else english) else "zh-hans")


def _place(*names: str | None) -> str:
    return "".join(n for n in names if n and n not in _HIDDEN_DIVISION_NAMES)


_CHOICE_LABELS: dict[tuple[Any, str, str], str] = {}


def _choice_label(choices: Any, value: str) -> str:
    """The label of ``value`` in the active language (memoised: choice labels are fixed per language)."""
    key = (choices, value, translation.get_language() or "")
    found = _CHOICE_LABELS.get(key)
    if found is None:
        try:
            found = str(choices(value).label)
        except ValueError:
            found = value
        if len(_CHOICE_LABELS) < 10_000:
            _CHOICE_LABELS[key] = found
    return found


def _model_fields(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def encode_cursor(pk: int) -> str:
    """An opaque cursor for keyset paging (the last id seen)."""
    return base64.urlsafe_b64encode(f"p{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("p") or not raw[1:].isdigit():
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor(_("分页游标无效，请从第一页重新开始。"), code="invalid_cursor", field="cursor") from None


def province_options() -> list[tuple[str, str]]:
    """(code, name) of every current province-level division (cached for five minutes: every search page
    needs it, and divisions change once a year)."""
    key = f"medreg:public:provinces:{timezone.localdate().isoformat()}"
    found = cache.get(key)
    if found is None:
        found = list(
            Division.objects.current().filter(level="province").order_by("code").values_list("code", "name")
        )
        cache.set(key, found, 300)
    return list(found)


def _province_prefix(code: str) -> str:
    prefix = (code or "").strip()[:2]
    return prefix if len(prefix) == 2 and prefix.isdigit() else ""


# -- practitioners -------------------------------------------------------------------------------------------
def _practitioner_statuses(policy: Policy, audience: str) -> list[str]:
    statuses = list(dict.fromkeys([*RegistrationStatus.values, "superseded"]))
    return policy.listed_statuses("practitioner", statuses, audience)


def _practitioner_columns(policy: Policy, audience: str) -> list[str]:
    cols = list(_ALWAYS_PRACTITIONER)
    for status in _practitioner_statuses(policy, audience):
        for name in policy.visible_fields("practitioner", status, audience):
            cols += [c for c in _PRACTITIONER_COLUMNS.get(name, ()) if c not in cols]
    return cols


def _practitioner_record(row: dict[str, Any], policy: Policy, audience: str) -> dict[str, Any]:
    """One registration as a public record: only the fields its status publishes to ``audience``."""
    status = row["status"]
    show = policy.shown("practitioner", status, audience)
    english = _english()
    out: dict[str, Any] = {"id": row["pk"]}
    if "name" in show:
        out["name"] = row["person__name"]
    if "gender" in show:
        gender = GENDER_LABELS.get(row["person__gender"], "")
        out["gender"] = GENDER_LABELS_EN.get(gender, gender) if english else gender
    if "profession" in show:
        out["profession"] = row["profession"]
        out["profession_label"] = _choice_label(Profession, row["profession"])
    if "level" in show:
        out["level_code"] = row["level_code"]
        out["level"] = _label("practice_level", row["level_code"], english)
    if "category" in show:
        out["category_code"] = row["category_code"]
        out["category"] = _label("practice_category", row["category_code"], english)
    if "scopes" in show:
        codes = list(row["scope_codes"] or [])
        out["scope_codes"] = codes
        out["scopes"] = ("; " if english else "、").join(_label("practice_scope", c, english) for c in codes)
    if "main_institution" in show:
        out["main_institution_id"] = row["main_institution_id"]
        out["main_institution"] = row["main_institution__name"]
    if "practice_place" in show:
        out["practice_division_code"] = row["practice_division_id"]
        out["practice_place"] = _place(
            *ref.division_chain(row["practice_division_id"]),
        )
    if "status" in show:
        out["status"] = status
        out["status_label"] = _choice_label(RegistrationStatus, status)
    for key, col in (("registered_on", "registered_on"), ("valid_until", "valid_until"), ("title", "person__title"),
                     ("certificate_no", "certificate_no"), ("education", "person__education"),
                     ("school", "person__school")):
        if key in show:
            out[key] = row[col]
    return out


def _practitioner_qs(policy: Policy, audience: str) -> QuerySet[PracticeRegistration]:
    return PracticeRegistration.objects.filter(status__in=_practitioner_statuses(policy, audience))


def search_practitioners(
    *,
    name: str,
    province_code: str,
    institution: str = "",
    profession: str = Profession.PHYSICIAN,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    audience: str = PUBLIC,
) -> tuple[list[dict[str, Any]], str | None]:
    """Registrations of people called exactly ``name`` practising in the province, optionally at an
    institution whose name contains ``institution``: one page in id order, and the next page's cursor.
    One query (code tables come from the cache). Never a count."""
    name = (name or "").strip()
    prefix = _province_prefix(province_code)
    if not name or not prefix:
        return [], None
    policy = current_policy()
    statuses = tuple(_practitioner_statuses(policy, audience))
    inst = (institution or "").strip()

    def base(v: Mapping[str, Any]) -> QuerySet[PracticeRegistration]:
        qs = PracticeRegistration.objects.filter(
            status__in=statuses, holder_name=v["name"], profession=v["profession"],
            practice_division__code__startswith=v["prefix"],
        )
        return qs.filter(main_institution__name__contains=v["inst"]) if inst else qs

    values = {"name": name, "profession": str(profession), "prefix": prefix, **({"inst": inst} if inst else {})}
    # Without the institution filter the plan is one range of public_reg_holder whatever the name:
    # prepared once per connection (PostgreSQL's planning was half its cost). The institution's name is a
    # trigram match, which needs the value at planning.
    return _page(("practitioners", statuses, bool(inst)), base, values, cursor, limit,
                 lambda row: _practitioner_record(row, policy, audience), _practitioner_columns(policy, audience),
                 prepare=not inst)


def _page(key: tuple[Any, ...], base: Callable[[Mapping[str, Any]], QuerySet[Any]], values: dict[str, Any],
          cursor: str | None, limit: int, build: Any, columns: list[str],
          prepare: bool = False) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ``base(values)`` in id order, and the next page's cursor.

    Each query shape is compiled to SQL once per process (:mod:`medreg.core.querycache`). ``key`` names
    what shapes the query apart from ``values``; the columns, the cursor's presence and the page size are
    added here. ``prepare``: a shape whose plan does not depend on the values (see ``values_rows``)."""
    limit = max(1, min(int(limit or PAGE_SIZE), MAX_PAGE_SIZE))
    after = decode_cursor(cursor)
    cols = tuple(columns)

    def make(v: Mapping[str, Any]) -> QuerySet[Any]:
        qs = base(v)
        if after:
            qs = qs.filter(pk__gt=v["after"])
        return qs.order_by("pk").values(*cols)[: limit + 1]

    if after:
        values = {**values, "after": after}
    rows = querycache.values_rows((*key, cols, bool(after), limit), make, values, prepare=prepare)
    more = len(rows) > limit
    rows = rows[:limit]
    return [build(r) for r in rows], (encode_cursor(rows[-1]["pk"]) if more and rows else None)


def list_practitioners(*, cursor: str | None = None, limit: int = PAGE_SIZE, profession: str = "",
                       province_code: str = "", audience: str = PUBLIC) -> tuple[list[dict[str, Any]], str | None]:
    """The whole public register, page by page (open API: no result cap, cursor paging)."""
    policy = current_policy()
    statuses = tuple(_practitioner_statuses(policy, audience))
    prefix = _province_prefix(province_code)

    def base(v: Mapping[str, Any]) -> QuerySet[PracticeRegistration]:
        qs = PracticeRegistration.objects.filter(status__in=statuses)
        if profession:
            qs = qs.filter(profession=v["profession"])
        return qs.filter(practice_division__code__startswith=v["prefix"]) if prefix else qs

    values = {**({"profession": str(profession)} if profession else {}), **({"prefix": prefix} if prefix else {})}
    return _page(("practitioner_list", statuses, bool(profession), bool(prefix)), base, values, cursor, limit,
                 lambda row: _practitioner_record(row, policy, audience), _practitioner_columns(policy, audience))


def practice_sites(registration_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """多机构 practice with dates, per registration: its main and filed sites (``people.PracticeSite``); a
    registration without site rows (legacy data) gets an empty list and the caller shows its main institution."""
    from medreg.people.choices import SiteKind, SiteStatus
    from medreg.people.models import PracticeSite

    out: dict[int, list[dict[str, Any]]] = {rid: [] for rid in registration_ids}
    rows = (
        PracticeSite.objects.filter(registration_id__in=registration_ids)
        .exclude(status=SiteStatus.CANCELLED)
        .order_by("registration_id", "kind", "start_on", "pk")
        .values("registration_id", "institution_id", "institution__name", "kind", "status", "start_on", "end_on")
    )
    for r in rows:
        out.setdefault(r["registration_id"], []).append({
            "institution_id": r["institution_id"],
            "institution": r["institution__name"],
            "kind": r["kind"],
            "kind_label": _choice_label(SiteKind, r["kind"]),
            "current": r["status"] == SiteStatus.ACTIVE,
            "start_on": r["start_on"],
            "end_on": r["end_on"],
        })
    return out


def _sanction_view(item: Any) -> dict[str, Any]:
    """Only kind and dates of a sanction are public: never the reason (it can reveal health matters)."""
    def get(key: str) -> Any:
        return item.get(key) if isinstance(item, dict) else getattr(item, key, None)

    kind = get("kind") or get("type") or ""
    label = get("kind_label") or get("type_label")
    if label is None:
        display = getattr(item, "get_kind_display", None)
        label = display() if callable(display) else kind
    return {"kind": str(kind), "kind_label": str(label), "start_on": get("start_on"), "end_on": get("end_on")}


def active_sanctions(person_id: int, *, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Sanctions in force on ``on`` with their end date; expired ones drop off by themselves.

    Uses the records stream's ``people.archive.public_sanctions`` when present, else
    ``people.eligibility.active_suspension``."""
    from medreg.people.models import Person

    on = on or timezone.localdate()
    person = Person.objects.only("pk").get(pk=person_id)
    finder: Any = None
    try:
        from medreg.people.archive import public_sanctions as finder
    except ImportError:  # pragma: no cover - the records stream's module is optional
        pass
    items: Iterable[Any]
    if finder is not None:
        items = finder(person, on=on) or []
    else:
        from medreg.people.eligibility import active_suspension

        found = active_suspension(person, on=on)
        items = [found] if found is not None else []
    out = []
    for item in items:
        view = _sanction_view(item)
        end = view["end_on"]
        if end is not None and isinstance(end, dt.date) and end < on:
            continue
        out.append(view)
    return out


def practitioner_detail(registration_id: int, *, audience: str = PUBLIC) -> dict[str, Any] | None:
    """One registration with its 多机构 sites, active sanctions and the person's other listed registrations;
    ``None`` when it is not in the register for ``audience``."""
    policy = current_policy()
    columns = _practitioner_columns(policy, audience)
    row = _practitioner_qs(policy, audience).filter(pk=registration_id).values(*columns).first()
    if row is None:
        return None
    record = _practitioner_record(row, policy, audience)
    show = policy.shown("practitioner", row["status"], audience)
    if "practice_sites" in show:
        sites = practice_sites([row["pk"]]).get(row["pk"]) or []
        if not sites and "main_institution" in show:
            sites = [{"institution_id": row["main_institution_id"], "institution": row["main_institution__name"],
                      "kind": "main", "kind_label": str(_("主要执业机构")), "current": True,
                      "start_on": row.get("registered_on"), "end_on": None}]
        record["practice_sites"] = sites
    if "sanctions" in show:
        record["sanctions"] = active_sanctions(row["person_id"])
    others = (
        _practitioner_qs(policy, audience).filter(person_id=row["person_id"]).exclude(pk=row["pk"])
        .order_by("pk").values(*columns)
    )
    record["other_registrations"] = [_practitioner_record(r, policy, audience) for r in others]
    return record


# -- institutions --------------------------------------------------------------------------------------------
def _institution_statuses(policy: Policy, audience: str) -> list[str]:
    from medreg.institutions.choices import InstitutionStatus

    return policy.listed_statuses("institution", list(InstitutionStatus.values), audience)


def _institution_columns(policy: Policy, audience: str) -> list[str]:
    present = _model_fields(Institution)
    cols = list(_ALWAYS_INSTITUTION)
    for status in _institution_statuses(policy, audience):
        for name in policy.visible_fields("institution", status, audience):
            for c in _INSTITUTION_COLUMNS.get(name, ()):
                if c not in cols and c.split("__")[0] in present:
                    cols.append(c)
    return cols


def _institution_record(row: dict[str, Any], policy: Policy, audience: str) -> dict[str, Any]:
    from medreg.institutions.choices import InstitutionStatus

    status = row["status"]
    show = policy.shown("institution", status, audience)
    out: dict[str, Any] = {"id": row["pk"]}
    for key in ("name", "uscc", "registration_no", "address", "legal_representative", "principal", "beds",
                "licence_valid_from", "licence_valid_until", "contact_phone"):
        if key in show and key in row:
            out[key] = row[key]
    if "aliases" in show:
        out["aliases"] = [a.strip() for a in (row["aliases"] or "").replace(";", "；").split("；") if a.strip()]
    if "category" in show:
        out["category_code"] = row["category_code"]
        out["category"] = _label("institution_category", row["category_code"])
    if "grade" in show:
        out["grade_code"] = row["grade_code"]
        out["grade"] = _label("hospital_grade", row["grade_code"])
    if "division" in show:
        out["division_code"] = row["division_code"]
        out["division"] = _place(*ref.division_chain(row["division_code"]))
    if "licensing_authority" in show:
        out["licensing_authority"] = row["licensing_authority__name"]
    if "status" in show:
        out["status"] = status
        out["status_label"] = _choice_label(InstitutionStatus, status)
    if "validation" in show and "verification_state" in row:
        out["validation"] = _validation(row)
    return out


def _validation(row: dict[str, Any]) -> dict[str, Any]:
    """校验 status: 正常 / 暂缓校验 / 逾期未校验, and when the current period ends."""
    from medreg.institutions.choices import VerificationState

    state = row.get("verification_state") or VerificationState.NORMAL
    overdue = row.get("verification_overdue_since")
    if overdue:
        code, label = "overdue", str(_("逾期未校验"))
    else:
        code, label = state, _choice_label(VerificationState, state)
    return {"state": code, "state_label": label, "due_on": row.get("verification_due_on"), "overdue_since": overdue}


def subjects_for(institution_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    out: dict[int, list[dict[str, str]]] = {i: [] for i in institution_ids}
    rows = InstitutionSubject.objects.filter(institution_id__in=institution_ids).order_by("institution_id", "code")
    for inst_id, code in rows.values_list("institution_id", "code"):
        out.setdefault(inst_id, []).append({"code": code, "label": _label("clinical_subject", code)})
    return out


def _institution_qs(policy: Policy, audience: str) -> QuerySet[Institution]:
    return Institution.objects.filter(status__in=_institution_statuses(policy, audience))


def _institutions_within(statuses: tuple[str, ...], prefix: str) -> Callable[[Mapping[str, Any]], QuerySet[Institution]]:
    """The listed institutions, in the province ``values["prefix"]`` when ``prefix`` is given (a _page base)."""
    def within(v: Mapping[str, Any]) -> QuerySet[Institution]:
        qs = Institution.objects.filter(status__in=statuses)
        return qs.filter(division_code__startswith=v["prefix"]) if prefix else qs
    return within


def _looks_like_code(q: str) -> bool:
    return q.isascii() and q.replace("-", "").isalnum() and len(q) >= 15


def search_institutions(
    *, q: str, province_code: str = "", cursor: str | None = None, limit: int = PAGE_SIZE, audience: str = PUBLIC
) -> tuple[list[dict[str, Any]], str | None]:
    """Institutions by USCC or 登记号 (exact) or by name or alias (substring; on PostgreSQL also
    trigram-similar names when the substring finds nothing). At least two characters."""
    q = " ".join((q or "").split())
    if len(q) < 2:
        return [], None
    policy = current_policy()
    statuses = tuple(_institution_statuses(policy, audience))
    prefix = _province_prefix(province_code)
    within = _institutions_within(statuses, prefix)
    place = {"prefix": prefix} if prefix else {}
    columns = _institution_columns(policy, audience)
    build = lambda row: _institution_record(row, policy, audience)  # noqa: E731
    if _looks_like_code(q):
        return _page(("institution_code", statuses, bool(prefix)),
                     lambda v: within(v).filter(Q(uscc=v["code"]) | Q(registration_no=v["code"])),
                     {"code": q.upper(), **place}, cursor, limit, build, columns)
    found = _page(("institution_name", statuses, bool(prefix)),
                  lambda v: within(v).filter(Q(name__contains=v["q"]) | Q(aliases__contains=v["q"])),
                  {"q": q, **place}, cursor, limit, build, columns)
    if found[0] or cursor or len(q) < 3 or not _trigram_available():
        return found
    return _similar_institutions(within(place), q, limit, build, columns), None


def _trigram_available() -> bool:
    """PostgreSQL with pg_trgm installed (the ``public`` migration installs it)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cur.fetchone() is not None


def _similar_institutions(base: QuerySet[Institution], q: str, limit: int, build: Any, columns: list[str]
                          ) -> list[dict[str, Any]]:
    """PostgreSQL only: names or aliases within trigram distance (pg_trgm ``%``), best first; one page, no cursor."""
    from django.db.models.expressions import RawSQL

    qs = base.extra(  # noqa: S610 - parameterised; the pg_trgm operator has no ORM lookup without contrib.postgres
        where=["(institutions_institution.name %% %s OR institutions_institution.aliases %% %s)"], params=[q, q])
    qs = qs.annotate(sim=RawSQL("greatest(similarity(institutions_institution.name, %s), "
                                "similarity(institutions_institution.aliases, %s))", (q, q)))
    rows = qs.order_by("-sim", "pk").values(*columns)[: max(1, min(limit, MAX_PAGE_SIZE))]
    return [build(r) for r in rows]


def list_institutions(*, cursor: str | None = None, limit: int = PAGE_SIZE, province_code: str = "",
                      audience: str = PUBLIC) -> tuple[list[dict[str, Any]], str | None]:
    policy = current_policy()
    statuses = tuple(_institution_statuses(policy, audience))
    prefix = _province_prefix(province_code)
    rows, nxt = _page(("institution_list", statuses, bool(prefix)), _institutions_within(statuses, prefix),
                      {"prefix": prefix} if prefix else {},
                      cursor, limit, lambda row: _institution_record(row, policy, audience),
                      _institution_columns(policy, audience))
    _attach_subjects(rows, policy, audience)
    return rows, nxt


def _attach_subjects(rows: list[dict[str, Any]], policy: Policy, audience: str) -> None:
    wanted = [r["id"] for r in rows]
    subjects = subjects_for(wanted) if wanted else {}
    for r in rows:
        status = r.get("status") or ""
        if policy.visible("institution", "subjects", status or None, audience):
            r["subjects"] = subjects.get(r["id"], [])


def institution_detail(institution_id: int, *, audience: str = PUBLIC) -> dict[str, Any] | None:
    """One institution with its 诊疗科目, 校验 status and licence validity; ``None`` when not listed."""
    policy = current_policy()
    row = _institution_qs(policy, audience).filter(pk=institution_id).values(
        *_institution_columns(policy, audience)).first()
    if row is None:
        return None
    record = _institution_record(row, policy, audience)
    if policy.visible("institution", "subjects", row["status"], audience):
        record["subjects"] = subjects_for([row["pk"]])[row["pk"]]
    return record


# -- bulk iteration (open-data export) -----------------------------------------------------------------------
def iter_practitioners(*, since: dt.datetime | None = None, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every public practitioner record (for a delta: changed since ``since``, including records that left
    the register, as ``{"id": ..., "withdrawn": true}``), in id order, with sites and sanctions omitted
    for speed except 多机构 sites."""
    policy = current_policy()
    columns = _practitioner_columns(policy, PUBLIC)
    listed = set(_practitioner_statuses(policy, PUBLIC))
    qs = PracticeRegistration.objects.all() if since else _practitioner_qs(policy, PUBLIC)
    if since is not None:
        qs = qs.filter(Q(updated_at__gte=since) | Q(person__updated_at__gte=since))
    after = 0
    while True:
        rows = list(qs.filter(pk__gt=after).order_by("pk").values(*columns)[:batch])
        if not rows:
            return
        after = rows[-1]["pk"]
        shown = [r for r in rows if r["status"] in listed]
        sites = practice_sites([r["pk"] for r in shown]) if shown else {}
        for r in rows:
            if r["status"] not in listed:
                yield {"id": r["pk"], "withdrawn": True}
                continue
            record = _practitioner_record(r, policy, PUBLIC)
            if policy.visible("practitioner", "practice_sites", r["status"]):
                record["practice_sites"] = sites.get(r["pk"], [])
            yield record


def iter_institutions(*, since: dt.datetime | None = None, batch: int = 2000) -> Iterator[dict[str, Any]]:
    policy = current_policy()
    columns = _institution_columns(policy, PUBLIC)
    listed = set(_institution_statuses(policy, PUBLIC))
    qs = Institution.objects.all() if since else _institution_qs(policy, PUBLIC)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    after = 0
    while True:
        rows = list(qs.filter(pk__gt=after).order_by("pk").values(*columns)[:batch])
        if not rows:
            return
        after = rows[-1]["pk"]
        records = [_institution_record(r, policy, PUBLIC) for r in rows if r["status"] in listed]
        _attach_subjects(records, policy, PUBLIC)
        by_id = {r["id"]: r for r in records}
        for r in rows:
            yield by_id.get(r["pk"]) or {"id": r["pk"], "withdrawn": True}
