"""The public site: home, service guide, public register (allow-listed, throttled) and verification."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.demo.world import register_physician
from medreg.people import services as people
from medreg.public import throttle

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


def approved(world, user):
    """Drive ``user`` through activation and a first registration to approval, via the services."""
    aff = people.request_activation(acting_user=user, institution_id=world.hospital.pk)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    note = user.notifications.filter(title__contains="激活码").first()
    people.activate_with_code(
        acting_user=user, institution_id=world.hospital.pk, code=re.search(r"(\d{6})", note.body).group(1)
    )
    qual = user.person.qualifications.first()
    app = apps.create_application(
        "PHY-REG-FIRST",
        acting_user=user,
        data={
            "qualification": qual.pk,
            "main_institution": world.hospital.pk,
            "scope_codes": ["11", "21"],
            "education": "本科",
            "school": "昆明医科大学",
            "declaration": True,
        },
    )
    apps.add_attachment(app.pk, acting_user=user, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(app.pk, acting_user=user, kind="employment_proof", filename="e.pdf", content=PDF)
    city = world.city.users
    apps.submit_application(app.pk, acting_user=user)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.accept_application(app.pk, acting_user=city[Role.CLERK])
    apps.review_application(app.pk, acting_user=city[Role.REVIEWER], opinion="材料齐全", recommend="approve")
    return apps.approve_application(app.pk, acting_user=city[Role.APPROVER])


@pytest.fixture
def registered(world, physician):
    app = approved(world, physician)
    return app.result_registration


# -- home and guide ------------------------------------------------------------------------------
def test_home_links_to_the_public_services(client, db):
    html = client.get("/").content.decode()
    for href in ('href="/guide/"', 'href="/public/"', 'href="/verify/"', 'href="/accounts/login/"'):
        assert href in html
    assert 'class="skip-link"' in html and 'id="btn-lang"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_english_switch_renders_english(client, db):
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/public/"})
    assert resp.status_code == 302 and resp["Location"] == "/public/"
    html = client.get("/public/").content.decode()
    assert "Public register of practice registrations" in html and "Province" in html
    assert '<html lang="en">' in html


def test_guide_lists_every_item_with_its_limit_and_detail(client, db):
    html = client.get("/guide/").content.decode()
    assert "PHY-REG-FIRST" in html and "医师首次执业注册" in html and "20 个工作日" in html
    assert "执业机构确认 → 卫生健康行政部门受理 → 审核 → 决定" in html
    detail = client.get("/guide/PHY-REG-FIRST/").content.decode()
    for text in (
        "医师法",
        "近期二寸白底免冠照片",
        "拟聘用证明",
        "从已同步的资格信息中选择",
        "须属于资格证书的执业类别，最多三项",
        "医师/护士本人",
    ):
        assert text in detail, text
    assert client.get("/guide/NO-SUCH-ITEM/").status_code == 404


# -- public register -----------------------------------------------------------------------------
def test_public_search_shows_only_allow_listed_fields(client, world, physician, registered):
    person = physician.person
    qual = person.qualifications.get()
    resp = client.get("/public/", {"name": "张晓明", "province": "530000"})
    html = resp.content.decode()
    assert resp.status_code == 200
    # the public fields are there
    for text in (
        "张晓明",
        "执业医师",
        "临床",
        "内科专业",
        "全科医学专业",
        world.hospital.name,
        "云南省",
        "有效",
    ):
        assert text in html, text
    # personal data and certificate numbers never are
    secrets = {
        "id number": person.id_number,
        "birth date": person.birth_date,
        "qualification code": qual.certificate_code,
        "phone": "13800138000",
        "practice certificate no": registered.certificate_no,
    }
    for label, value in secrets.items():
        assert value and value not in html, label
    assert person.id_number[-4:] + "<" not in html


def test_public_search_needs_name_and_province(client, db):
    resp = client.get("/public/", {"name": "", "province": ""})
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "请输入姓名" in html and "请选择省份" in html
    # the bare page (no search yet) shows the form without errors
    page = client.get("/public/")
    assert page.status_code == 200 and "form-errors" not in page.content.decode()


def test_public_search_filters_by_province_and_institution(client, world, physician, registered):
    assert "张晓明" not in _results(client.get("/public/", {"name": "张晓明", "province": "520000"}))
    assert "张晓明" in _results(
        client.get("/public/", {"name": "张晓明", "province": "530000", "institution": "第一人民"})
    )
    assert "张晓明" not in _results(
        client.get("/public/", {"name": "张晓明", "province": "530000", "institution": "第二人民"})
    )


def _results(resp) -> str:
    html = resp.content.decode()
    start = html.find('id="public-results"')
    return html[start:] if start >= 0 else ""


def test_public_register_query_count_does_not_grow_with_results(
    client, world, physician, django_assert_max_num_queries
):
    namesakes = [register_physician(world, name="张晓明", username=f"zhang{i}x") for i in range(2)]
    for user in [physician, *namesakes]:
        approved(world, user)
    params = {"name": "张晓明", "province": "530000"}
    client.get("/public/", params)  # warms the code-table cache
    with django_assert_max_num_queries(2):  # the province list and one search query
        resp = client.get("/public/", params)
    assert resp.content.decode().count('class="public-row"') == 3


def test_public_search_is_throttled_per_client(client, db, settings):
    settings.MEDREG = {**settings.MEDREG, "PUBLIC_SEARCH_RATE": "3/m"}
    params = {"name": "张三", "province": "530000"}
    for _ in range(3):
        assert client.get("/public/", params, REMOTE_ADDR="10.9.8.7").status_code == 200
    resp = client.get("/public/", params, REMOTE_ADDR="10.9.8.7")
    assert resp.status_code == 429
    assert int(resp["Retry-After"]) >= 1
    html = resp.content.decode()
    assert "查询过于频繁" in html and "Too many requests" in html
    # another client is not affected
    assert client.get("/public/", params, REMOTE_ADDR="10.9.8.8").status_code == 200


def test_rate_parsing():
    assert throttle.parse_rate("20/m") == throttle.Rate(20, 60)
    assert throttle.parse_rate("5/hour") == throttle.Rate(5, 3600)
    with pytest.raises(ValueError):
        throttle.parse_rate("lots")


# -- verification --------------------------------------------------------------------------------
def test_verify_a_valid_licence(client, world, physician, registered):
    lic = registered.licences.get()
    resp = client.get("/verify/", {"qr": lic.qr_payload})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'id="verify-result"' in html and 'data-valid="true"' in html
    for text in (
        "有效",
        "证照有效",
        "张晓明",
        "医师执业证书",
        "临床",
        "内科专业",
        world.hospital.name,
        world.city.authority.name,
        'id="verify-checked-at"',
    ):
        assert text in html, text
    assert physician.person.id_number not in html


def test_verify_a_malformed_qr_shows_the_error_on_the_field(client, db):
    resp = client.get("/verify/", {"qr": "HL1:THIS-IS-NOT-BASE45!!"})
    html = resp.content.decode()
    assert 'data-valid="false"' in html
    assert 'id="qr-errors"' in html and "二维码内容无法解码" in html
    other = client.get("/verify/", {"qr": "HC1:NCFOXN%TS3DH"}).content.decode()
    assert "不是本系统签发的电子证照二维码" in other
    empty = client.get("/verify/", {"qr": ""}).content.decode()
    assert "请粘贴二维码内容" in empty


def test_verify_a_superseded_or_tampered_licence_is_not_valid(client, world, physician, registered):
    from medreg.licences import services as licences

    lic = registered.licences.get()
    licences.revoke_licence(lic.pk, acting_user=None, reason="测试")
    html = client.get("/verify/", {"qr": lic.qr_payload}).content.decode()
    assert 'data-valid="false"' in html and "无效" in html
    tampered = lic.qr_payload[:-6] + ("A" if lic.qr_payload[-6] != "A" else "B") + lic.qr_payload[-5:]
    html = client.get("/verify/", {"qr": tampered}).content.decode()
    assert 'data-valid="false"' in html


def test_verify_page_without_input_shows_only_the_form(client, db):
    html = client.get("/verify/").content.decode()
    assert 'id="qr"' in html and 'id="btn-verify"' in html and 'id="verify-result"' not in html
