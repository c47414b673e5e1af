"""The individual portal and sign-up, driven through Django's test client (state set up by services)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.applications.models import Application
from medreg.demo import ids
from medreg.demo.world import DEFAULT_PASSWORD, make_physician_qualification, register_physician
from medreg.people import services as people
from medreg.people.models import Affiliation

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def upload(name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def latest_code(user) -> str:
    note = user.notifications.filter(title__contains="激活码").order_by("-created_at").first()
    return re.search(r"(\d{6})", note.body).group(1)


def login(client, user) -> None:
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)


def activate_through_portal(client, world, physician) -> None:
    resp = client.post(
        "/portal/me/activation/request/", {"institution_id": world.hospital.pk, "action": "request"}
    )
    assert resp.status_code == 302
    aff = Affiliation.objects.get(person=physician.person, institution=world.hospital)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    resp = client.post(
        "/portal/me/activate/", {"institution_id": world.hospital.pk, "code": latest_code(physician)}
    )
    assert resp.status_code == 302


def apply_form(world, physician, **over):
    qual = physician.person.qualifications.get()
    data = {
        "qualification": qual.pk,
        "main_institution": world.hospital.pk,
        "scope_codes": ["11"],
        "department": "内科",
        "education": "本科",
        "school": "昆明医科大学",
        "declaration": "on",
        "action": "save",
    }
    data.update(over)
    return data


def draft_through_portal(client, world, physician) -> Application:
    resp = client.post("/portal/me/apply/PHY-REG-FIRST/", apply_form(world, physician))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    return Application.objects.get(applicant=physician)


def upload_materials(client, app) -> None:
    resp = client.post(
        f"/portal/me/applications/{app.pk}/upload/",
        {
            "photo": upload("photo.png", png_bytes(), "image/png"),
            "employment_proof": upload("proof.pdf", PDF, "application/pdf"),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]


# -- registration ---------------------------------------------------------------------------------
def _register_post(client, **over):
    data = {
        "profession": "physician",
        "name": "李四",
        "id_number": "",
        "phone": "13912345678",
        "username": "lisi2026",
        "password": "Medreg!2026x",
        "password2": "Medreg!2026x",
    }
    data.update(over)
    return client.post("/accounts/register/", data)


def test_registration_with_a_synced_qualification_logs_the_user_in(client, world):
    # given a qualification record synced from the exam centre
    _record, number = make_physician_qualification(rng=world.rng, name="李四", division_code="530102")
    # when the person registers with matching name and ID number
    resp = _register_post(client, id_number=number)
    # then they are signed in and land on their portal
    assert resp.status_code == 302 and resp["Location"] == "/portal/me/"
    page = client.get("/portal/me/")
    assert page.status_code == 200
    assert "李四" in page.content.decode()


def test_registration_with_a_bad_id_checksum_shows_the_message_on_the_field(client, world):
    _record, number = make_physician_qualification(rng=world.rng, name="李四", division_code="530102")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    resp = _register_post(client, id_number=wrong)
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "身份证号校验位不正确" in html
    assert 'id="field-id_number"' in html and 'aria-invalid="true"' in html
    assert "_auth_user_id" not in client.session


def test_registration_before_the_qualification_is_synced_says_so(client, world):
    number = ids.citizen_id(world.rng, "530102")
    resp = _register_post(client, id_number=number)
    assert resp.status_code == 400
    assert "资格信息尚未同步" in resp.content.decode()
    # the ID number the person typed is kept in the form, but never echoed anywhere else
    assert resp.content.decode().count(number) == 1


def test_registration_password_mismatch_is_reported_on_the_confirmation(client, world):
    _record, number = make_physician_qualification(rng=world.rng, name="李四", division_code="530102")
    resp = _register_post(client, id_number=number, password2="Other!2026x")
    assert resp.status_code == 400
    assert "两次输入的密码不一致" in resp.content.decode()


def test_login_page_signs_in_and_logout_is_post(client, physician):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="username"' in html and 'id="btn-login"' in html
    bad = client.post("/accounts/login/", {"username": "zhangxm", "password": "wrong-password"})
    assert bad.status_code == 200 and "form-errors" in bad.content.decode()
    resp = client.post("/accounts/login/", {"username": "zhangxm", "password": DEFAULT_PASSWORD})
    assert resp.status_code == 302
    assert client.get("/portal/").url == "/portal/me/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/portal/me/").status_code == 302  # back to the login page


# -- access ------------------------------------------------------------------------------------------
def test_anonymous_users_are_sent_to_login_and_staff_get_404(client, world):
    resp = client.get("/portal/me/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    client.force_login(world.city.users[Role.CLERK])
    assert client.get("/portal/me/").status_code == 404
    assert client.get("/portal/me/licences/").status_code == 404


def test_another_persons_application_is_not_found(client, world, physician):
    login(client, physician)
    app = draft_through_portal(client, world, physician)
    other = register_physician(world, name="王五", username="wangwu")
    client.force_login(other)
    assert client.get(f"/portal/me/applications/{app.pk}/").status_code == 404
    assert client.post(f"/portal/me/applications/{app.pk}/withdraw/", {"confirm": "on"}).status_code == 404
    app.refresh_from_db()
    assert app.status == Status.DRAFT


# -- activation --------------------------------------------------------------------------------------
def test_institution_search_returns_radio_options(client, world, physician):
    login(client, physician)
    resp = client.get(
        "/portal/me/institutions/search",
        {"q": "昆明市第一", "name": "main_institution"},
        HTTP_HX_REQUEST="true",
    )
    html = resp.content.decode()
    assert resp.status_code == 200
    assert world.hospital.name in html
    assert f'name="main_institution" value="{world.hospital.pk}"' in html
    assert world.other_hospital.name not in html


def test_activation_request_and_code_entry(client, world, physician):
    login(client, physician)
    dash = client.get("/portal/me/").content.decode()
    assert 'id="institution-q"' in dash and 'id="btn-request-activation"' in dash
    # searching without JavaScript posts the form with action=search and re-renders with results
    found = client.post("/portal/me/activation/request/", {"q": "第一人民医院", "action": "search"})
    assert world.hospital.name in found.content.decode()
    resp = client.post(
        "/portal/me/activation/request/", {"institution_id": world.hospital.pk, "action": "request"}
    )
    assert resp.status_code == 302
    aff = Affiliation.objects.get(person=physician.person, institution=world.hospital)
    assert aff.status == "pending"
    dash = client.get("/portal/me/").content.decode()
    assert 'id="activation-code"' in dash and world.hospital.name in dash
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    # a wrong code is reported on the code field
    bad = client.post("/portal/me/activate/", {"institution_id": world.hospital.pk, "code": "000000"})
    assert bad.status_code == 400 and "激活码错误" in bad.content.decode()
    # the code arrives in the inbox shown on the dashboard
    code = latest_code(physician)
    assert code in client.get("/portal/me/").content.decode()
    ok = client.post("/portal/me/activate/", {"institution_id": world.hospital.pk, "code": code})
    assert ok.status_code == 302
    aff.refresh_from_db()
    assert aff.status == "active"


# -- applying ----------------------------------------------------------------------------------------
def test_apply_form_is_prefilled_and_scoped_to_the_qualification(client, world, physician):
    login(client, physician)
    activate_through_portal(client, world, physician)
    qual = physician.person.qualifications.get()
    resp = client.get("/portal/me/apply/PHY-REG-FIRST/")
    html = resp.content.decode()
    assert resp.status_code == 200
    # the only qualification is preselected, shown by level/category/date, never by its certificate code
    assert f'<option value="{qual.pk}" selected>' in html
    assert "执业医师" in html and "临床" in html and qual.obtained_on.isoformat() in html
    assert qual.certificate_code not in html
    # the activated institution is offered and preselected
    assert f'value="{world.hospital.pk}" id="main_institution-opt-{world.hospital.pk}" checked' in html
    # scopes: clinical ones plus 57, not dental
    assert 'value="11"' in html and 'value="57"' in html and 'value="31"' not in html
    # field help from the catalogue
    assert "须属于资格证书的执业类别，最多三项" in html


def test_apply_shows_field_errors_from_the_item(client, world, physician):
    login(client, physician)
    resp = client.post("/portal/me/apply/PHY-REG-FIRST/", apply_form(world, physician, scope_codes=["31"]))
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "不属于您资格证书的执业类别" in html
    assert 'href="#field-scope_codes"' in html
    assert not Application.objects.filter(applicant=physician).exists()


def test_apply_flow_up_to_submission(client, world, physician):
    login(client, physician)
    activate_through_portal(client, world, physician)
    app = draft_through_portal(client, world, physician)
    page = client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    for marker in (
        'name="photo"',
        'name="employment_proof"',
        'id="btn-submit"',
        'id="btn-withdraw"',
        'id="upload-form"',
        'enctype="multipart/form-data"',
        "JPEG、PNG",
        'id="clock"',
    ):
        assert marker in page, marker
    # submitting without materials names what is missing
    resp = client.post(f"/portal/me/applications/{app.pk}/submit/")
    assert resp.status_code == 400 and "缺少材料" in resp.content.decode()
    # a file whose content is not an allowed type is refused on its own input
    bad = client.post(
        f"/portal/me/applications/{app.pk}/upload/",
        {"photo": upload("photo.png", b"not an image at all", "image/png")},
    )
    assert bad.status_code == 400 and 'id="upload-photo-errors"' in bad.content.decode()
    upload_materials(client, app)
    assert app.attachments.count() == 2
    # editing the draft goes through update_application
    resp = client.post(
        f"/portal/me/applications/{app.pk}/edit/", apply_form(world, physician, school="云南大学")
    )
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.form_data["school"] == "云南大学"
    resp = client.post(f"/portal/me/applications/{app.pk}/submit/")
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    page = client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    assert "待机构确认" in page and 'data-action="submit"' in page
    assert 'id="btn-submit"' not in page and 'name="photo"' not in page
    listing = client.get("/portal/me/applications/").content.decode()
    assert app.number in listing


def test_correction_resubmission_and_withdrawal(client, world, physician):
    login(client, physician)
    activate_through_portal(client, world, physician)
    app = draft_through_portal(client, world, physician)
    upload_materials(client, app)
    client.post(f"/portal/me/applications/{app.pk}/submit/")
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.request_correction(
        app.pk, acting_user=world.city.users[Role.CLERK], items=["照片不清晰", "聘用证明缺少公章"]
    )
    page = client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    assert "照片不清晰" in page and "聘用证明缺少公章" in page
    assert 'id="btn-resubmit"' in page and 'data-state="not_started"' in page
    resp = client.post(f"/portal/me/applications/{app.pk}/resubmit/", {"comment": "已重新上传照片"})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    # withdrawing needs the explicit confirmation
    resp = client.post(f"/portal/me/applications/{app.pk}/withdraw/", {"reason": "改去其他机构"})
    assert resp.status_code == 400 and "请勾选确认" in resp.content.decode()
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    resp = client.post(
        f"/portal/me/applications/{app.pk}/withdraw/", {"reason": "改去其他机构", "confirm": "on"}
    )
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN


# -- archive and licences ----------------------------------------------------------------------------
def _approve(world, app) -> None:
    city = world.city.users
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.accept_application(app.pk, acting_user=city[Role.CLERK])
    apps.review_application(app.pk, acting_user=city[Role.REVIEWER], opinion="材料齐全", recommend="approve")
    apps.approve_application(app.pk, acting_user=city[Role.APPROVER])


def test_licence_page_shows_qr_and_payload_and_png(client, world, physician):
    login(client, physician)
    activate_through_portal(client, world, physician)
    app = draft_through_portal(client, world, physician)
    upload_materials(client, app)
    client.post(f"/portal/me/applications/{app.pk}/submit/")
    _approve(world, app)
    lic = physician.person.licences.get()
    html = client.get("/portal/me/licences/").content.decode()
    assert 'id="qr-payload"' in html and lic.qr_payload in html
    assert "<svg" in html and world.hospital.name in html
    png = client.get(f"/portal/me/licences/{lic.pk}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    # archive: qualifications by level/category/date only; the ID number is masked
    archive = client.get("/portal/me/archive/").content.decode()
    qual = physician.person.qualifications.get()
    assert qual.certificate_code not in archive
    assert physician.person.id_number not in archive
    assert lic.licence_no in archive
    # another person cannot fetch this licence's QR
    other = register_physician(world, name="王五", username="wangwu")
    client.force_login(other)
    assert client.get(f"/portal/me/licences/{lic.pk}/qr.png").status_code == 404


def test_english_switch_renders_english(client, world, physician):
    login(client, physician)
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/me/"})
    assert resp.status_code == 302
    html = client.get("/portal/me/").content.decode()
    assert '<html lang="en">' in html
    assert "Service guide" in html and "My applications" in html


@pytest.mark.parametrize(
    "path",
    [
        "/portal/me/",
        "/portal/me/applications/",
        "/portal/me/archive/",
        "/portal/me/licences/",
        "/portal/me/notifications/",
        "/portal/me/activate/",
        "/portal/me/apply/PHY-REG-FIRST/",
    ],
)
def test_every_individual_page_renders_with_the_layout(client, physician, path):
    login(client, physician)
    resp = client.get(path)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'class="skip-link"' in html and 'id="main"' in html and 'id="individual-nav"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # every asset is self-hosted


def test_chinese_first_middleware_ignores_the_browser_language(client, db, settings):
    settings.MIDDLEWARE = [
        "medreg.portals.middleware.ChineseFirstLocaleMiddleware" if m.endswith("LocaleMiddleware") else m
        for m in settings.MIDDLEWARE
    ]
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans">' in html and "办事指南" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html and "Service guide" in html


def test_scope_options_follow_the_chosen_qualification(client, world, physician):
    login(client, physician)
    qual = physician.person.qualifications.get()
    resp = client.get(
        "/portal/me/apply/PHY-REG-FIRST/scopes/",
        {"qualification": qual.pk, "scope_codes": ["11"]},
        HTTP_HX_REQUEST="true",
    )
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'value="11" id="id_scope_codes_0" checked' in html
    assert 'value="57"' in html and 'value="31"' not in html


def test_portal_chooser_sends_each_user_to_their_portal(client, world, physician):
    login(client, physician)
    assert client.get("/portal/")["Location"] == "/portal/me/"
    client.force_login(world.hospital_admin)
    assert client.get("/portal/")["Location"] == "/portal/institution/"
    client.force_login(world.city.users[Role.CLERK])
    assert client.get("/portal/")["Location"] == "/portal/authority/"
