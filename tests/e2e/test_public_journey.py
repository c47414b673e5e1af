"""The public register in real Chromium, as a member of the public uses it (no login).

Set up by services: a physician with an approved registration at 昆明市第一人民医院 and a suspension in force
(暂停执业活动 with its last day), and another applicant's first registration, accepted and waiting for 补正.
Then, through the browser only: search the physician by name + province and open the detail page (practice
sites with dates, registration status, the sanction with its end date, and none of the ID number, birth date,
phone or 资格证书编码 anywhere on the page); search the institution by a fragment of its name and by USCC and
open it (诊疗科目, 校验 status, licence validity); query an application's status with its number and the
applicant's name (stage, due date, what 补正 is missing), and with a wrong name (a refusal that reveals
nothing); and switch one page to English.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CORRECTIONS = ["照片不清晰，请重新上传近期免冠照片", "缺少聘用证明原件扫描件"]


@pytest.fixture
def register_world(tx_world, settings):
    from medreg.accounts.choices import Role
    from medreg.applications import services as apps
    from medreg.demo.world import register_physician
    from medreg.people import records
    from medreg.public.tests.test_public import approved
    from medreg.public.tests.test_register import _submitted_app

    settings.MEDREG = {
        **settings.MEDREG,
        "PUBLIC_SEARCH_RATE": "1000/m",
        "PUBLIC_API_RATE": "1000/m",
        "PUBLIC_STATUS_RATE": "1000/m",
    }
    world = tx_world
    physician = register_physician(world)
    registration = approved(world, physician).result_registration
    penalty = records.record_penalty(
        registration.person_id,
        acting_user=world.city.users[Role.APPROVER],
        data={
            "profession": "physician",
            "kind": "suspension",
            "start_on": timezone.localdate().isoformat(),
            "months": 6,
            "reason": "健康原因（不公开）",
            "decision_no": "昆卫罚〔2026〕9号",
        },
    )
    applicant = register_physician(world, name="王五", username="wangwu")
    app = _submitted_app(world, applicant)
    apps.submit_application(app.pk, acting_user=applicant)
    apps.confirm_by_institution(app.pk, acting_user=world.hospital_admin)
    apps.accept_application(app.pk, acting_user=world.city.users[Role.CLERK])
    apps.request_correction(app.pk, acting_user=world.city.users[Role.CLERK], items=CORRECTIONS)
    app.refresh_from_db()
    registration.refresh_from_db()
    person = physician.person
    private = {
        "ID number": person.id_number,
        "ID number (lower x)": person.id_number.lower(),
        "birth date": str(person.birth_date),
        "birth date (compact)": str(person.birth_date).replace("-", ""),
        "资格证书编码": person.qualifications.get().certificate_code,
        "phone": physician.phone or "13800138000",
        "sanction reason": "健康原因",
        "decision number": "昆卫罚",
    }
    return {"world": world, "registration": registration, "penalty": penalty, "app": app, "private": private}


def _assert_nothing_private(page, private: dict[str, str], where: str) -> None:
    html = page.content()
    for label, value in private.items():
        assert value and value not in html, f"{label} shown on {where}"


def test_public_register_journey(register_world, browsing, step):
    w = register_world
    world, registration, penalty, app = w["world"], w["registration"], w["penalty"], w["app"]
    hospital = world.hospital
    page = browsing.new_page("public")

    step("1 search a physician by name and province")
    page.goto("/public/")
    page.locator("#id_name").fill("张晓明")
    page.locator("#id_province").select_option("530000")
    page.locator("#btn-public-search").click()
    rows = page.locator("#public-results-table tr.public-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(hospital.name)
    _assert_nothing_private(page, w["private"], "the search results")

    step("2 open the physician's detail page")
    rows.first.get_by_role("link", name="张晓明").click()
    expect(page.locator("#practitioner-name")).to_have_text("张晓明")
    expect(page.locator("#practitioner-status")).to_have_text(registration.get_status_display())
    sites = page.locator("#practitioner-sites")
    expect(sites).to_contain_text(hospital.name)
    expect(sites).to_contain_text(registration.registered_on.isoformat())
    sanctions = page.locator("#practitioner-sanctions")
    expect(sanctions).to_contain_text("暂停执业活动")
    expect(sanctions).to_contain_text(penalty.end_on.isoformat())
    _assert_nothing_private(page, w["private"], "the physician's detail page")
    detail_url = page.url

    step("3 search the institution by a fragment of its name, then by USCC")
    page.goto("/public/institutions/")
    page.locator("#id_q").fill("第一人民")
    page.locator("#btn-institution-search").click()
    results = page.locator("#institution-results-table")
    expect(results).to_contain_text(hospital.name)
    expect(results).not_to_contain_text(world.other_hospital.name)
    page.locator("#id_q").fill(hospital.uscc)
    page.locator("#btn-institution-search").click()
    expect(page.locator("#institution-results-table")).to_contain_text(hospital.name)

    step("4 open the institution")
    page.locator("#institution-results-table").get_by_role("link", name=hospital.name).first.click()
    expect(page.locator("#institution-name")).to_have_text(hospital.name)
    expect(page.locator("#institution-subjects")).to_contain_text("内科")
    expect(page.locator("#institution-validation")).not_to_be_empty()
    expect(page.locator("#institution-validity")).to_contain_text(hospital.licence_valid_until.isoformat())
    expect(page.locator("#institution-status")).to_be_visible()

    step("5 the applicant's status query")
    page.goto("/public/status/")
    page.locator("#id_number").fill(app.number)
    page.locator("#id_name").fill("王五")
    page.locator("#btn-status").click()
    expect(page.locator("#status-stage")).to_contain_text("补正中")
    expect(page.locator("#status-due")).to_contain_text(app.due_on.isoformat())
    correction = page.locator("#status-correction")
    for item in CORRECTIONS:
        expect(correction).to_contain_text(item)
    expect(page.locator("#status-login-hint")).to_be_visible()
    expect(page.locator("#status-timeline")).to_have_count(0)

    step("6 a wrong name is refused without revealing anything")
    page.locator("#id_number").fill(app.number)
    page.locator("#id_name").fill("李四")
    page.locator("#btn-status").click()
    expect(page.locator("#status-not-found")).to_be_visible()
    html = page.content()
    for leaked in (*CORRECTIONS, app.due_on.isoformat(), "补正中", 'id="status-stage"', "王五"):
        assert leaked not in html, f"a wrong name revealed {leaked!r}"

    step("7 the English switch on the physician's page")
    page.goto(detail_url)
    page.locator("#btn-lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#sanctions-title")).to_have_text("Practice restrictions")
    expect(page.locator("#practitioner-sanctions")).to_contain_text("Suspension of practice")
    expect(page.locator("#practitioner-sanctions")).to_contain_text(penalty.end_on.isoformat())
    expect(page.locator("#practitioner-name")).to_have_text("张晓明")
    expect(page.get_by_text("ID numbers, dates of birth, contact details")).to_be_visible()
    _assert_nothing_private(page, w["private"], "the English detail page")
