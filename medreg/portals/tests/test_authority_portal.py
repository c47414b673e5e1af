"""The authority portal (管理端): the work queue, the application page and its decisions, and account
administration — with a permission matrix per view and the whole first-registration journey driven
through both portals.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityLevel, Role
from medreg.accounts.models import Membership, User
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.models import AuditEvent
from medreg.core import calendar
from medreg.people import services as people
from medreg.people.choices import AffiliationStatus
from medreg.portals.tests.test_institution_portal import (
    activation_code,
    audit_count,
    draft,
    login,
    more_physicians,
    received,
)

NS = "portals:authority"
PASSWORD = "Medreg!2026"


def url(name: str, *args) -> str:
    return reverse(f"{NS}:{name}", args=args)


def state(app: Application) -> tuple[str, int]:
    app.refresh_from_db()
    return app.status, app.timeline.count()


@pytest.fixture
def national(world):
    authority = accounts.create_authority(acting_user=None, name="国家卫生健康委员会", level=AuthorityLevel.NATIONAL,
                                          division_code=None)
    return accounts.create_staff_account(acting_user=None, authority=authority, username="nhc_clerk",
                                         real_name="国家受理员", password=PASSWORD, roles=[Role.CLERK])


@pytest.fixture
def app(world, physician):
    """A first-registration application waiting at the city for acceptance (受理)."""
    return received(world, physician)


# -- permission matrix: pages -------------------------------------------------------------------------
PAGES = ["queue", "admin"]


@pytest.mark.parametrize("page", [*PAGES, "home"])
def test_pages_send_anonymous_users_to_login(client, world, page):
    response = client.get(url(page))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_404_for_individuals_and_institution_staff(client, world, physician, page):
    assert login(client, physician).get(url(page)).status_code == 404
    assert login(client, world.hospital_admin).get(url(page)).status_code == 404


def test_admin_page_is_404_for_staff_without_the_admin_role(client, world):
    for role in (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION):
        assert login(client, world.city.users[role]).get(url("admin")).status_code == 404


def test_home_goes_to_the_queue(client, world):
    response = login(client, world.city.users[Role.CLERK]).get(url("home"))
    assert response.status_code == 302 and response["Location"] == url("queue")


# -- work queue ---------------------------------------------------------------------------------------
def test_queue_shows_own_applications_only(client, world, physician, app):
    assert app.number in login(client, world.city.users[Role.CLERK]).get(url("queue")).content.decode()
    for user in (world.province.users[Role.CLERK], world.county.users[Role.CLERK],
                 world.other_province.users[Role.CLERK]):
        body = login(client, user).get(url("queue")).content.decode()
        assert app.number not in body, user


def test_subtree_view_lets_the_province_watch_the_city(client, world, app):
    login(client, world.province.users[Role.SUPERVISION])
    body = client.get(url("queue") + "?view=subtree").content.decode()
    assert app.number in body
    assert world.city.authority.name in body  # the 受理机关 column
    assert app.number not in login(client, world.other_province.users[Role.CLERK]).get(
        url("queue") + "?view=subtree").content.decode()
    assert app.number not in login(client, world.county.users[Role.CLERK]).get(
        url("queue") + "?view=subtree").content.decode()


def test_national_staff_see_everything_in_the_subtree_view(client, world, national, app):
    assert app.number in login(client, national).get(url("queue") + "?view=subtree").content.decode()


def test_queue_counts_and_filters_by_status(client, world, physician, app):
    other = more_physicians(world, 2)
    second, third = received(world, other[0]), received(world, other[1])
    clerk = world.city.users[Role.CLERK]
    apps.accept_application(second.pk, acting_user=clerk)
    apps.request_correction(third.pk, acting_user=clerk, items=["照片不清晰"])
    login(client, clerk)
    body = client.get(url("queue")).content.decode()
    assert 'id="count-all">3<' in body
    assert 'id="count-received">1<' in body
    assert 'id="count-accepted">1<' in body
    assert 'id="count-correction">1<' in body
    assert 'id="count-reviewed">0<' in body
    accepted = client.get(url("queue") + "?status=accepted").content.decode()
    assert second.number in accepted and app.number not in accepted and third.number not in accepted
    # an unknown status shows everything
    assert app.number in client.get(url("queue") + "?status=draft").content.decode()


def test_queue_sorts_by_due_date_then_received_and_highlights_overdue(client, world, physician, app):
    clerk = world.city.users[Role.CLERK]
    docs = more_physicians(world, 2)
    early, late = received(world, docs[0]), received(world, docs[1])
    apps.accept_application(early.pk, acting_user=clerk)
    early.refresh_from_db()
    login(client, clerk)
    body = client.get(url("queue")).content.decode()
    # accepted (with a due date) first, then the received ones by receipt time
    assert body.index(early.number) < body.index(app.number) < body.index(late.number)
    # past the due date: red; on the due date: amber
    after = calendar.add_working_days(early.due_on, 2)
    with mock.patch("medreg.portals.authority.views._today", return_value=after):
        body = client.get(url("queue")).content.decode()
    assert f'id="application-{early.pk}" data-status="accepted" data-clock="overdue"' in body
    assert 'data-state="overdue"' in body
    with mock.patch("medreg.portals.authority.views._today", return_value=early.due_on):
        body = client.get(url("queue")).content.decode()
    assert 'data-clock="near_due"' in body
    assert 'data-state="near_due"' in body


def test_work_queue_query_count_does_not_grow_with_the_rows(client, world, django_assert_max_num_queries):
    clerk = world.city.users[Role.CLERK]
    docs = more_physicians(world, 10)
    for i, doc in enumerate(docs):
        application = received(world, doc)
        if i % 2:
            apps.accept_application(application.pk, acting_user=clerk)
    login(client, clerk)
    client.get(url("queue"))  # warm caches (code tables)
    with django_assert_max_num_queries(7):
        response = client.get(url("queue"))
    assert response.content.decode().count('data-clock="') == 10
    with django_assert_max_num_queries(7):
        client.get(url("queue") + "?view=subtree&status=accepted")


# -- application page ---------------------------------------------------------------------------------
def test_detail_shows_the_application_clock_timeline_and_clerk_actions(client, world, physician, app):
    body = login(client, world.city.users[Role.CLERK]).get(url("application", app.pk)).content.decode()
    assert physician.person.name in body
    assert "医师首次执业注册" in body
    assert world.hospital.name in body
    assert "执业医师 / 临床" in body
    assert physician.person.qualifications.first().certificate_code not in body
    assert physician.person.id_number not in body
    assert 'class="clock' in body and 'data-state="not_started"' in body
    assert 'id="timeline"' in body
    assert 'id="btn-accept"' in body and 'id="btn-correction"' in body
    assert 'name="items"' in body
    for absent in ("btn-review", "btn-approve", "btn-refuse"):
        assert f'id="{absent}"' not in body
    for att in app.attachments.all():
        assert url("attachment", app.pk, att.pk) in body


def test_reviewer_and_approver_see_no_buttons_before_their_turn(client, world, app):
    for role in (Role.REVIEWER, Role.APPROVER, Role.SUPERVISION):
        body = login(client, world.city.users[role]).get(url("application", app.pk)).content.decode()
        assert 'id="decisions"' not in body, role


def test_detail_is_404_outside_the_view_scope(client, world, physician, app):
    attachment = app.attachments.first()
    urls = [url("application", app.pk), url("attachment", app.pk, attachment.pk)]
    for u in urls:
        assert client.get(u).status_code == 302
    for user in (physician, world.hospital_admin, world.other_admin, world.other_province.users[Role.CLERK],
                 world.county.users[Role.CLERK]):
        login(client, user)
        for u in urls:
            assert client.get(u).status_code == 404, (user, u)
    for user in (world.city.users[Role.CLERK], world.province.users[Role.SUPERVISION]):
        login(client, user)
        for u in urls:
            assert client.get(u).status_code == 200, (user, u)


def test_province_may_view_but_not_act(client, world, app):
    province_clerk = world.province.users[Role.CLERK]
    login(client, province_clerk)
    body = client.get(url("application", app.pk)).content.decode()
    assert app.number in body
    assert 'id="decisions"' not in body
    before, snapshot = audit_count(), state(app)
    assert client.post(url("accept", app.pk)).status_code == 404
    assert client.post(url("correction", app.pk), {"items": "缺材料"}).status_code == 404
    assert state(app) == snapshot
    assert audit_count() == before


OPERATIONS = {
    "accept": {"comment": ""},
    "correction": {"items": "照片不清晰"},
    "review": {"opinion": "同意", "recommend": "approve"},
    "approve": {"comment": ""},
    "refuse": {"reason": "不符合条件"},
    "extend": {"reason": "需要现场核查"},
}


@pytest.mark.parametrize("op", list(OPERATIONS))
def test_decisions_are_denied_outside_the_act_scope(client, world, physician, national, app, op):
    before, snapshot = audit_count(), state(app)
    assert client.post(url(op, app.pk), OPERATIONS[op]).status_code == 302  # anonymous → login
    outsiders = [physician, world.hospital_admin, world.other_admin, world.province.users[Role.CLERK],
                 world.province.users[Role.APPROVER], world.county.users[Role.CLERK],
                 world.other_province.users[Role.CLERK], world.other_province.users[Role.APPROVER]]
    for user in outsiders:
        assert login(client, user).post(url(op, app.pk), OPERATIONS[op]).status_code == 404, (user, op)
    # national staff may see everything but decide only where they hold the role
    assert login(client, national).post(url(op, app.pk), OPERATIONS[op]).status_code in (403, 409)
    assert state(app) == snapshot
    assert audit_count() == before


def test_the_wrong_role_at_the_right_authority_is_refused_with_a_message(client, world, app):
    before, snapshot = audit_count(), state(app)
    response = login(client, world.city.users[Role.REVIEWER]).post(url("accept", app.pk))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="form-errors"' in body
    assert "受理" in body and "权限" in body
    assert state(app) == snapshot
    assert audit_count() == before


def test_decisions_require_post(client, world, app):
    login(client, world.city.users[Role.CLERK])
    for op in OPERATIONS:
        assert client.get(url(op, app.pk)).status_code == 405


def test_correction_needs_items_and_keeps_the_input(client, world, app):
    before, snapshot = audit_count(), state(app)
    response = login(client, world.city.users[Role.CLERK]).post(
        url("correction", app.pk), {"items": "  \n ", "comment": "请补正"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "一次性告知" in body
    assert 'id="field-correction_items"' in body and 'aria-invalid="true"' in body
    assert "请补正</textarea>" in body
    assert state(app) == snapshot
    assert audit_count() == before


def test_refusal_needs_a_reason(client, world, app):
    clerk, reviewer, approver = (world.city.users[r] for r in (Role.CLERK, Role.REVIEWER, Role.APPROVER))
    apps.accept_application(app.pk, acting_user=clerk)
    apps.review_application(app.pk, acting_user=reviewer, opinion="不符合", recommend="refuse")
    before, snapshot = audit_count(), state(app)
    response = login(client, approver).post(url("refuse", app.pk), {"reason": "", "grounds": "医师法第十六条"})
    assert response.status_code == 400
    assert "不予许可必须说明理由" in response.content.decode()
    assert state(app) == snapshot
    assert audit_count() == before
    response = client.post(url("refuse", app.pk), {"reason": "不符合注册条件", "grounds": "医师法第十六条\n\n其他"},
                           follow=True)
    app.refresh_from_db()
    assert app.status == Status.REFUSED
    assert app.refusal_grounds == ["医师法第十六条", "其他"]
    assert "已作出不予许可决定" in response.content.decode()


def test_review_needs_an_opinion(client, world, app):
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    before, snapshot = audit_count(), state(app)
    response = login(client, world.city.users[Role.REVIEWER]).post(url("review", app.pk), {"opinion": ""})
    assert response.status_code == 400
    assert "请填写审核意见" in response.content.decode()
    assert state(app) == snapshot and audit_count() == before


# -- the whole journey through both portals -----------------------------------------------------------
def test_first_registration_journey_through_the_portals(client, world, physician):
    # the physician asks to be activated; the hospital sends the code from the staff page (htmx)
    aff = people.request_activation(acting_user=physician, institution_id=world.hospital.pk)
    login(client, world.hospital_admin)
    staff_page = client.get(reverse("portals:institution:staff")).content.decode()
    assert f'id="send-code-{aff.pk}"' in staff_page
    row = client.post(reverse("portals:institution:send_code", args=[aff.pk]), HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk,
                              code=activation_code(physician))
    aff.refresh_from_db()
    assert aff.status == AffiliationStatus.ACTIVE
    # the physician drafts and submits (individual portal: services here)
    application = apps.submit_application(draft(world, physician).pk, acting_user=physician)

    # the institution confirms
    queue = client.get(reverse("portals:institution:applications")).content.decode()
    assert application.number in queue
    client.post(reverse("portals:institution:confirm", args=[application.pk]), {"comment": "本院人员"})
    assert state(application)[0] == Status.RECEIVED

    # the city's clerk asks for a correction, once, with every item
    login(client, world.city.users[Role.CLERK])
    assert application.number in client.get(url("queue")).content.decode()
    response = client.post(url("correction", application.pk),
                           {"items": "照片不清晰\n拟聘用证明缺少公章\n", "comment": "请一次补齐"}, follow=True)
    assert "已发出一次性补正告知" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.CORRECTION
    assert application.clock_pauses.get().items == ["照片不清晰", "拟聘用证明缺少公章"]
    assert 'id="btn-correction"' not in response.content.decode()  # 一次性: no second notice

    # the applicant corrects and resubmits (service), the clerk accepts
    apps.resubmit_correction(application.pk, acting_user=physician, comment="已补正")
    client.post(url("accept", application.pk), {"comment": "材料齐全"})
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED and application.due_on is not None

    # the reviewer reviews
    login(client, world.city.users[Role.REVIEWER])
    body = client.get(url("application", application.pk)).content.decode()
    assert 'id="btn-review"' in body and 'id="btn-accept"' not in body
    client.post(url("review", application.pk), {"opinion": "符合注册条件", "recommend": "approve"})
    assert state(application)[0] == Status.REVIEWED

    # the approver approves
    login(client, world.city.users[Role.APPROVER])
    body = client.get(url("application", application.pk)).content.decode()
    assert 'id="btn-approve"' in body and 'id="btn-refuse"' in body and "符合注册条件" in body
    response = client.post(url("approve", application.pk), {"comment": "准予注册"}, follow=True)
    assert response.redirect_chain[-1][0] == url("application", application.pk)
    assert "已准予许可" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    registration = application.result_registration
    assert registration is not None and registration.status == "active"
    assert list(application.timeline.values_list("action", flat=True)) == [
        "create", "submit", "confirm", "request_correction", "resubmit", "accept", "review", "approve"]
    # no longer in anyone's queue; the hospital's roster shows the new certificate
    assert application.number not in client.get(url("queue")).content.decode()
    login(client, world.hospital_admin)
    roster = client.get(reverse("portals:institution:roster")).content.decode()
    assert registration.certificate_no in roster
    assert AuditEvent.objects.filter(subject_type="applications.application",
                                     subject_id=str(application.pk)).count() >= 8


# -- authority administration -------------------------------------------------------------------------
def test_admin_page_lists_subordinates_and_staff(client, world):
    body = login(client, world.city.users[Role.AUTHORITY_ADMIN]).get(url("admin")).content.decode()
    assert world.county.authority.name in body  # subordinate
    assert world.county.users[Role.CLERK].username in body
    assert world.city.users[Role.CLERK].username in body
    assert world.province.authority.name not in body.split('id="subordinate-authorities"')[1].split("</table>")[0]
    assert world.other_province.users[Role.CLERK].username not in body
    assert world.hospital.name in body  # licensed by the city
    assert world.other_hospital.name not in body
    assert 'id="staff-account-form"' in body and 'id="institution-account-form"' in body


def test_admin_creates_a_staff_account_for_a_subordinate_authority(client, world):
    login(client, world.city.users[Role.AUTHORITY_ADMIN])
    response = client.post(url("create_staff"), {
        "authority": world.county.authority.pk, "username": "wh_clerk2", "real_name": "新受理员",
        "password": PASSWORD, "roles": [Role.CLERK, Role.REVIEWER], "phone": "13900001111",
    }, follow=True)
    assert response.redirect_chain[-1][0] == url("admin")
    user = User.objects.get(username="wh_clerk2")
    assert set(user.memberships.values_list("role", flat=True)) == {Role.CLERK, Role.REVIEWER}
    assert user.memberships.first().authority_id == world.county.authority.pk
    body = response.content.decode()
    assert "wh_clerk2" in body
    assert "139****1111" in body and "13900001111" not in body


def test_staff_account_errors_are_shown_next_to_fields_and_nothing_is_created(client, world):
    login(client, world.city.users[Role.AUTHORITY_ADMIN])
    before = audit_count()
    response = client.post(url("create_staff"), {
        "authority": world.city.authority.pk, "username": "x", "real_name": "", "password": "1", "roles": [],
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="form-errors"' in body
    assert 'href="#field-staff_roles"' in body or "请选择有效的管理端角色" in body
    # a superior's or another province's authority is not offered and is refused
    for authority in (world.province.authority, world.other_province.authority):
        response = client.post(url("create_staff"), {
            "authority": authority.pk, "username": "sneaky1", "real_name": "某人", "password": PASSWORD,
            "roles": [Role.APPROVER]})
        assert response.status_code == 400
    assert not User.objects.filter(username="sneaky1").exists()
    assert audit_count() == before


def test_admin_creates_an_institution_account_only_for_institutions_it_licensed(client, world):
    login(client, world.city.users[Role.AUTHORITY_ADMIN])
    client.post(url("create_institution_account"), {
        "institution": world.hospital.pk, "username": "km1h_rev", "real_name": "医务科审核员",
        "password": PASSWORD, "roles": [Role.INSTITUTION_REVIEWER]})
    user = User.objects.get(username="km1h_rev")
    assert Membership.objects.get(user=user).institution_id == world.hospital.pk
    before = audit_count()
    # the province did not license the hospital; the other hospital is not the city's
    login(client, world.province.users[Role.AUTHORITY_ADMIN])
    assert client.post(url("create_institution_account"), {
        "institution": world.hospital.pk, "username": "prov_made", "real_name": "某人", "password": PASSWORD,
        "roles": [Role.INSTITUTION_ADMIN]}).status_code == 400
    login(client, world.city.users[Role.AUTHORITY_ADMIN])
    assert client.post(url("create_institution_account"), {
        "institution": world.other_hospital.pk, "username": "gz_made", "real_name": "某人", "password": PASSWORD,
        "roles": [Role.INSTITUTION_ADMIN]}).status_code == 400
    assert not User.objects.filter(username__in=["prov_made", "gz_made"]).exists()
    assert audit_count() == before


@pytest.mark.parametrize("action", ["create_staff", "create_institution_account"])
def test_account_creation_is_denied_to_non_admins(client, world, physician, action):
    data = {"authority": world.city.authority.pk, "institution": world.hospital.pk, "username": "denied1",
            "real_name": "某人", "password": PASSWORD, "roles": [Role.CLERK]}
    before = audit_count()
    assert client.post(url(action), data).status_code == 302
    for user in (physician, world.hospital_admin, world.city.users[Role.CLERK], world.city.users[Role.APPROVER]):
        assert login(client, user).post(url(action), data).status_code == 404
    assert not User.objects.filter(username="denied1").exists()
    assert audit_count() == before


def test_queue_renders_in_english(client, world, app):
    login(client, world.city.users[Role.CLERK])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(url("queue")).content.decode()
    assert "Work queue" in body
    assert app.number in body


def test_detail_clock_runs_from_acceptance(client, world, app):
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    app.refresh_from_db()
    with mock.patch("medreg.portals.authority.views._today", return_value=app.accepted_on):
        body = login(client, world.city.users[Role.REVIEWER]).get(url("application", app.pk)).content.decode()
    assert 'data-state="running"' in body
    assert app.due_on.isoformat() in body


# -- creating subordinate authorities -----------------------------------------------------------------
def _authorities():
    from medreg.accounts.models import Authority

    return Authority.objects


def _authority_form(**overrides) -> dict[str, str]:
    data = {"name": "曲靖市卫生健康委员会", "level": AuthorityLevel.CITY, "division": "530300", "uscc": "",
            "kind": "commission"}
    data.update(overrides)
    return data


def test_admin_page_offers_levels_below_and_divisions_in_the_subtree(client, world):
    body = login(client, world.province.users[Role.AUTHORITY_ADMIN]).get(url("admin")).content.decode()
    form = body.split('id="authority-form"')[1].split("</form>")[0]
    assert 'id="btn-create-authority"' in form
    assert 'value="city"' in form and 'value="county"' in form and 'value="province"' not in form
    assert 'value="530300"' in form  # a city of the province
    assert 'value="530102"' in form  # a county under one of its cities
    assert 'value="520100"' not in form  # nothing in another province
    form = login(client, world.city.users[Role.AUTHORITY_ADMIN]).get(url("admin")).content.decode().split(
        'id="authority-form"')[1].split("</form>")[0]
    assert 'value="county"' in form and 'value="city"' not in form
    assert 'value="530103"' in form and 'value="530302"' not in form  # only the city's own counties
    # a county has no lower level: no form
    assert 'id="authority-form"' not in login(client, world.county.users[Role.AUTHORITY_ADMIN]).get(
        url("admin")).content.decode()


def test_province_admin_creates_a_city_authority(client, world):
    login(client, world.province.users[Role.AUTHORITY_ADMIN])
    before = audit_count()
    response = client.post(url("create_authority"), _authority_form(kind="approval_bureau"), follow=True)
    assert response.redirect_chain[-1][0] == url("admin")
    created = _authorities().get(name="曲靖市卫生健康委员会")
    assert (created.level, created.division_code, created.kind) == ("city", "530300", "approval_bureau")
    assert created.parent_id == world.province.authority.pk
    body = response.content.decode()
    assert "已创建下级机关" in body
    assert f'id="authority-{created.pk}"' in body.split('id="subordinate-authorities"')[1].split("</table>")[0]
    from medreg.audit.choices import EventType

    assert AuditEvent.objects.filter(event_type=EventType.AUTHORITY_CREATED, subject_id=str(created.pk)).exists()
    assert audit_count() == before + 1


def test_authority_form_shows_field_errors_and_keeps_the_input(client, world):
    login(client, world.province.users[Role.AUTHORITY_ADMIN])
    before, count = audit_count(), _authorities().count()
    response = client.post(url("create_authority"), _authority_form(name="", level="county", division="530300",
                                                                     uscc="not-a-uscc"))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="form-errors"' in body and 'href="#field-authority_name"' in body
    assert "请填写机关名称" in body
    response = client.post(url("create_authority"), _authority_form(level="county", division="530300"))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#field-authority_division"' in body and "行政区划代码与级别不符" in body
    assert 'value="曲靖市卫生健康委员会"' in body  # the input is kept
    response = client.post(url("create_authority"), _authority_form(kind="ministry"))
    assert response.status_code == 400 and 'href="#field-authority_kind"' in response.content.decode()
    assert audit_count() == before and _authorities().count() == count


def test_city_admin_cannot_create_an_authority_in_another_province(client, world):
    login(client, world.city.users[Role.AUTHORITY_ADMIN])
    before, count = audit_count(), _authorities().count()
    for data in (_authority_form(name="南明区卫生健康局", level="county", division="520102"),
                 _authority_form(name="曲靖市卫生健康委员会", level="city", division="530300")):
        response = client.post(url("create_authority"), data)
        assert response.status_code == 403
        body = response.content.decode()
        assert 'id="form-errors"' in body and "只能为本辖区的下级机关创建账户" in body
    assert not _authorities().filter(name__in=["南明区卫生健康局", "曲靖市卫生健康委员会"]).exists()
    assert audit_count() == before and _authorities().count() == count


def test_creating_an_authority_is_404_for_non_admins(client, world, physician):
    data = _authority_form()
    before, count = audit_count(), _authorities().count()
    assert client.post(url("create_authority"), data).status_code == 302  # anonymous → login
    for user in (physician, world.hospital_admin, world.province.users[Role.CLERK],
                 world.province.users[Role.APPROVER], world.city.users[Role.SUPERVISION]):
        assert login(client, user).post(url("create_authority"), data).status_code == 404, user
    assert login(client, world.province.users[Role.AUTHORITY_ADMIN]).get(url("create_authority")).status_code == 405
    assert audit_count() == before and _authorities().count() == count


def test_authority_form_renders_in_english(client, world):
    login(client, world.province.users[Role.AUTHORITY_ADMIN])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    form = client.get(url("admin")).content.decode().split('id="authority-form"')[1].split("</form>")[0]
    assert "Name of the authority" in form and "Create a subordinate authority" in form
    assert "Unified social credit code (optional)" in form


def test_the_approver_extends_the_limit_from_the_detail_page(client, world, app):
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    app.refresh_from_db()
    due = app.due_on
    # the clerk sees no extension form; the approver does
    assert 'id="extend-form"' not in login(client, world.city.users[Role.CLERK]).get(url("application", app.pk)).content.decode()
    login(client, world.city.users[Role.APPROVER])
    assert 'id="extend-form"' in client.get(url("application", app.pk)).content.decode()
    before = audit_count()
    response = client.post(url("extend", app.pk), {"reason": " "})
    assert response.status_code == 400 and "请填写延长期限的理由" in response.content.decode()
    assert audit_count() == before
    response = client.post(url("extend", app.pk), {"reason": "需要现场核查"}, follow=True)
    app.refresh_from_db()
    assert app.extension_days == 10 and app.due_on == calendar.add_working_days(due, 10)
    body = response.content.decode()
    assert "办理期限已延长" in body and 'id="extend-form"' not in body
