"""The institution portal (机构端): staff activation, the confirmation queue, the roster.

State is built through the services; the portal is driven through the Django test client. Every view
has a permission matrix, and every denied POST is checked to leave nothing behind.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.audit.models import AuditEvent
from medreg.demo.world import register_physician
from medreg.institutions.models import Institution
from medreg.people import services as people
from medreg.people.choices import AffiliationStatus
from medreg.people.models import Affiliation

NS = "portals:institution"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# -- helpers (also used by test_authority_portal) ------------------------------------------------------
def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def activation_code(user) -> str:
    note = user.notifications.filter(title__contains="激活码").order_by("-pk").first()
    return note.body.split("：")[1][:6]


def activate(world, physician):
    aff = people.request_activation(acting_user=physician, institution_id=world.hospital.pk)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    return people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk,
                                     code=activation_code(physician))


def draft(world, physician) -> Application:
    qual = physician.person.qualifications.first()
    app = apps.create_application("PHY-REG-FIRST", acting_user=physician, data={
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "declaration": True,
    })
    apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    return app


def submitted(world, physician) -> Application:
    """An activated physician's application, waiting for the institution's confirmation."""
    activate(world, physician)
    app = draft(world, physician)
    return apps.submit_application(app.pk, acting_user=physician)


def received(world, physician) -> Application:
    app = submitted(world, physician)
    return apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)


def more_physicians(world, n: int, *, start: int = 0):
    surnames = "王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑"
    return [
        register_physician(world, name=f"{surnames[(start + i) % len(surnames)]}医生{chr(0x4E00 + start + i)}",
                           username=f"doc{start + i:03d}")
        for i in range(n)
    ]


def audit_count() -> int:
    return AuditEvent.objects.count()


def login(client, user):
    client.force_login(user)
    return client


def url(name: str, *args) -> str:
    return reverse(f"{NS}:{name}", args=args)


# -- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture
def pending(world, physician):
    """A pending activation request from the physician at the world's hospital."""
    return people.request_activation(acting_user=physician, institution_id=world.hospital.pk)


@pytest.fixture
def app(world, physician):
    return submitted(world, physician)


# -- permission matrix --------------------------------------------------------------------------------
PAGES = ["home", "staff", "applications", "roster"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_send_anonymous_users_to_login(client, world, page):
    response = client.get(url(page))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_404_for_individuals_and_authority_staff(client, world, physician, page):
    assert login(client, physician).get(url(page)).status_code == 404
    assert login(client, world.city.users[Role.CLERK]).get(url(page)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_for_own_staff(client, world, page):
    response = login(client, world.hospital_admin).get(url(page))
    assert response.status_code == 200
    assert world.hospital.name in response.content.decode()


def test_object_views_answer_404_outside_the_institution(client, world, physician, app):
    attachment = app.attachments.first()
    object_urls = [url("application", app.pk), url("attachment", app.pk, attachment.pk)]
    # anonymous: to the login page
    for u in object_urls:
        assert client.get(u).status_code == 302
    # the applicant himself, the other hospital, the licensing authority's staff: not in this portal / scope
    for user in (physician, world.other_admin, world.city.users[Role.CLERK]):
        login(client, user)
        for u in object_urls:
            assert client.get(u).status_code == 404, (user, u)
    # own staff
    login(client, world.hospital_admin)
    for u in object_urls:
        assert client.get(u).status_code == 200


def test_other_institution_sees_nothing_of_ours_in_lists(client, world, physician, app):
    login(client, world.other_admin)
    for page in PAGES:
        body = client.get(url(page)).content.decode()
        assert app.number not in body
        assert physician.person.name not in body
        assert world.hospital.name not in body


def test_picking_an_institution_outside_ones_memberships_is_404(client, world):
    login(client, world.hospital_admin)
    assert client.get(url("staff") + f"?inst={world.other_hospital.pk}").status_code == 404
    assert client.get(url("staff") + "?inst=abc").status_code == 404
    assert client.get(url("staff") + f"?inst={world.hospital.pk}").status_code == 200


def test_staff_of_two_institutions_can_switch(client, world, physician):
    from medreg.accounts import services as accounts
    from medreg.accounts.models import Membership

    # an admin of the other hospital who is also a reviewer at ours (no service grants a second
    # institution's role to an existing account yet, so the membership row is made directly)
    user = accounts.create_institution_account(
        acting_user=None, institution=world.other_hospital, username="twohats", real_name="两院管理员",
        password="Medreg!2026", roles=[Role.INSTITUTION_ADMIN])
    Membership.objects.create(user=user, institution=world.hospital, role=Role.INSTITUTION_REVIEWER)
    people.request_activation(acting_user=physician, institution_id=world.hospital.pk)
    login(client, user)
    default = client.get(url("staff")).content.decode()
    assert 'id="institution-switcher"' in default
    chosen = client.get(url("staff") + f"?inst={world.hospital.pk}").content.decode()
    assert physician.person.name in chosen
    # a reviewer (not admin) at that institution does not get the activation-mode form
    assert 'id="activation-mode-form"' not in chosen


# -- staff activation ---------------------------------------------------------------------------------
def test_staff_page_lists_pending_requests_with_masked_phone_and_never_the_id_number(client, world, physician,
                                                                                     pending):
    body = login(client, world.hospital_admin).get(url("staff")).content.decode()
    assert physician.person.name in body
    assert "138****8000" in body
    assert "13800138000" not in body
    assert physician.person.id_number not in body
    assert physician.person.id_number[-4:] + "<" not in body
    assert f'id="send-code-{pending.pk}"' in body
    assert 'id="activation-mode-form"' in body
    assert "男" in body or "女" in body


def test_send_code_with_htmx_swaps_the_row_and_sends_the_code(client, world, physician, pending):
    login(client, world.hospital_admin)
    response = client.post(url("send_code", pending.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="activation-{pending.pk}"')
    assert "激活码已发送" in body
    assert "<html" not in body
    code = activation_code(physician)
    people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk, code=code)
    assert Affiliation.objects.get(pk=pending.pk).status == AffiliationStatus.ACTIVE


def test_send_code_without_htmx_redirects_with_a_message(client, world, physician, pending):
    login(client, world.hospital_admin)
    response = client.post(url("send_code", pending.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("staff")
    assert "已向" in response.content.decode()


def test_send_code_for_an_active_affiliation_shows_the_error(client, world, physician, pending):
    activate_code = people.send_activation_code(pending.pk, acting_user=world.hospital_admin)
    people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk,
                              code=activation_code(physician))
    before = audit_count()
    response = login(client, world.hospital_admin).post(url("send_code", activate_code.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "该账户不在待激活状态" in response.content.decode()
    assert audit_count() == before


def test_send_code_is_denied_outside_the_institution(client, world, physician, pending):
    before_notes = physician.notifications.count()
    before = audit_count()
    assert client.post(url("send_code", pending.pk)).status_code == 302  # anonymous
    for user in (physician, world.other_admin, world.city.users[Role.CLERK], world.city.users[Role.AUTHORITY_ADMIN]):
        assert login(client, user).post(url("send_code", pending.pk)).status_code == 404
    assert audit_count() == before
    assert physician.notifications.count() == before_notes
    assert Affiliation.objects.get(pk=pending.pk).activation_code_hash == ""


def test_send_code_requires_post(client, world, pending):
    assert login(client, world.hospital_admin).get(url("send_code", pending.pk)).status_code == 405


def test_admin_sets_the_activation_mode(client, world):
    login(client, world.hospital_admin)
    response = client.post(url("activation_mode"), {"activation_mode": "auto"}, follow=True)
    assert response.status_code == 200
    assert Institution.objects.get(pk=world.hospital.pk).activation_mode == "auto"
    assert "激活方式已更新" in response.content.decode()


def test_an_invalid_activation_mode_is_reported_and_changes_nothing(client, world):
    before = audit_count()
    response = login(client, world.hospital_admin).post(url("activation_mode"), {"activation_mode": "x"}, follow=True)
    assert "激活方式无效" in response.content.decode()
    assert Institution.objects.get(pk=world.hospital.pk).activation_mode == "code"
    assert audit_count() == before


def test_activation_mode_is_denied_to_reviewers_and_outsiders(client, world, physician):
    from medreg.accounts import services as accounts

    reviewer = accounts.create_institution_account(
        acting_user=None, institution=world.hospital, username="km1h_rev", real_name="审核员",
        password="Medreg!2026", roles=[Role.INSTITUTION_REVIEWER])
    before = audit_count()
    assert client.post(url("activation_mode"), {"activation_mode": "auto"}).status_code == 302
    for user in (reviewer, physician, world.city.users[Role.AUTHORITY_ADMIN]):
        assert login(client, user).post(url("activation_mode"), {"activation_mode": "auto"}).status_code == 404
    # the other hospital's admin changes their own institution only
    login(client, world.other_admin).post(url("activation_mode"), {"activation_mode": "auto"})
    assert Institution.objects.get(pk=world.hospital.pk).activation_mode == "code"
    assert Institution.objects.get(pk=world.other_hospital.pk).activation_mode == "auto"
    assert audit_count() == before + 1
    # the reviewer does not see the form
    assert 'id="activation-mode-form"' not in login(client, reviewer).get(url("staff")).content.decode()


# -- confirmation queue -------------------------------------------------------------------------------
def test_queue_lists_submitted_applications_first(client, world, physician):
    first = received(world, physician)  # already confirmed
    second_doc = more_physicians(world, 1)[0]
    waiting = submitted(world, second_doc)
    body = login(client, world.hospital_admin).get(url("applications")).content.decode()
    assert body.index(waiting.number) < body.index(first.number)
    filtered = client.get(url("applications") + "?status=received").content.decode()
    assert first.number in filtered and waiting.number not in filtered


def test_drafts_are_not_shown_to_the_institution(client, world, physician):
    activate(world, physician)
    app = draft(world, physician)
    login(client, world.hospital_admin)
    assert app.number not in client.get(url("applications")).content.decode()
    assert client.get(url("application", app.pk)).status_code == 404


def test_detail_shows_names_not_codes_and_never_the_qualification_code(client, world, physician, app):
    body = login(client, world.hospital_admin).get(url("application", app.pk)).content.decode()
    assert "执业医师 / 临床" in body
    assert world.hospital.name in body
    assert "内科专业" in body or "内科" in body
    qual = physician.person.qualifications.first()
    assert qual.certificate_code not in body
    assert physician.person.id_number not in body
    assert 'id="btn-confirm"' in body and 'id="btn-return"' in body
    assert 'name="reason"' in body
    assert 'id="timeline"' in body
    for att in app.attachments.all():
        assert url("attachment", app.pk, att.pk) in body


def test_attachment_download_streams_the_file(client, world, app):
    photo = app.attachments.get(kind="photo")
    proof = app.attachments.get(kind="employment_proof")
    login(client, world.hospital_admin)
    response = client.get(url("attachment", app.pk, photo.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == photo.file.open("rb").read()
    response = client.get(url("attachment", app.pk, proof.pk))
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_of_another_application_is_404(client, world, physician, app):
    other_doc = more_physicians(world, 1)[0]
    other_app = submitted(world, other_doc)
    att = other_app.attachments.first()
    login(client, world.hospital_admin)
    assert client.get(url("attachment", app.pk, att.pk)).status_code == 404


def test_confirm_sends_the_application_to_the_authority(client, world, app):
    login(client, world.hospital_admin)
    response = client.post(url("confirm", app.pk), {"comment": "情况属实"}, follow=True)
    assert response.redirect_chain[-1][0] == url("application", app.pk)
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    assert app.timeline.last().comment == "情况属实"
    body = response.content.decode()
    assert "已确认" in body
    assert 'id="btn-confirm"' not in body


def test_return_requires_a_reason_and_keeps_nothing(client, world, app):
    before = audit_count()
    response = login(client, world.hospital_admin).post(url("return", app.pk), {"reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写退回原因" in body
    assert 'id="form-errors"' in body
    assert 'aria-invalid="true"' in body
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert audit_count() == before


def test_return_with_a_reason_returns_it_to_the_applicant(client, world, physician, app):
    login(client, world.hospital_admin).post(url("return", app.pk), {"reason": "科室填写有误"})
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    assert physician.notifications.filter(title__contains="退回").exists()


def test_confirming_twice_is_a_conflict_shown_on_the_page(client, world, app):
    login(client, world.hospital_admin).post(url("confirm", app.pk))
    before = audit_count()
    response = client.post(url("confirm", app.pk))
    assert response.status_code == 409
    assert 'id="form-errors"' in response.content.decode()
    assert audit_count() == before


@pytest.mark.parametrize("action,data", [("confirm", {}), ("return", {"reason": "不符"})])
def test_decisions_are_denied_outside_the_institution(client, world, physician, app, action, data):
    before = audit_count()
    assert client.post(url(action, app.pk), data).status_code == 302  # anonymous → login
    users = (physician, world.other_admin, world.city.users[Role.CLERK], world.province.users[Role.APPROVER])
    for user in users:
        assert login(client, user).post(url(action, app.pk), data).status_code == 404, user
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert audit_count() == before


def test_decision_views_require_post(client, world, app):
    login(client, world.hospital_admin)
    assert client.get(url("confirm", app.pk)).status_code == 405
    assert client.get(url("return", app.pk)).status_code == 405


# -- roster -------------------------------------------------------------------------------------------
def test_roster_lists_active_staff_with_department_and_activation_date(client, world, physician):
    activate(world, physician)
    body = login(client, world.hospital_admin).get(url("roster")).content.decode()
    assert physician.person.name in body
    assert "未在本机构注册" in body
    assert physician.person.id_number not in body


def test_roster_has_no_n_plus_one(client, world, django_assert_max_num_queries):
    for doc in more_physicians(world, 8):
        activate(world, doc)
    login(client, world.hospital_admin)
    client.get(url("roster"))  # warm the code-table cache
    with django_assert_max_num_queries(8):
        response = client.get(url("roster"))
    assert response.content.decode().count('id="staff-') == 8


def test_pages_render_in_english(client, world, pending):
    login(client, world.hospital_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(url("staff")).content.decode()
    assert 'lang="en"' in body
    assert "Account activation" in body
    assert "Send activation code" in body
