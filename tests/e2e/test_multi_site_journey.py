"""A registered physician adds a second institution (多机构备案), end to end in real Chromium.

Set up by services: the world, a physician whose first registration was approved at 昆明市第一人民医院
(place of practice 云南省), and a county hospital licensed by 五华区卫生健康局. Clicked through the UI:
the filing form (with an exempt kind refused first), the main institution's consent, acceptance, review
and filing at the county commission, and the filed site on the physician's home page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medreg.applications import services as apps
from medreg.demo.world import make_institution, register_physician
from tests.e2e.test_journey import _messages, _open_in_authority, _open_in_institution, _search_institution

pytestmark = pytest.mark.e2e

COUNTY_HOSPITAL = "五华区人民医院"


def _registered_physician(world):
    from medreg.applications.tests.test_first_registration_flow import activate, draft
    from medreg.applications.tests.test_physician_items import decide

    user = register_physician(world)
    activate(world, user)
    app = draft(world, user)
    apps.submit_application(app.pk, acting_user=user)
    return user, decide(world, app.pk, admins=[world.hospital_admin]).result_registration


def test_physician_files_an_additional_institution(tx_world, browsing, step):
    world = tx_world
    step("1 setup: a registered physician and a county hospital")
    user, registration = _registered_physician(world)
    county_hospital, _admin = make_institution(world.county.authority, rng=world.rng, name=COUNTY_HOSPITAL,
                                               division_code="530102", admin_username="whh_admin")
    today = timezone.localdate()
    start, end = today + timedelta(days=1), today + timedelta(days=365)

    step("2 the physician fills the filing form")
    me = browsing.login(user.username)
    me.goto("/portal/me/")
    expect(me.locator(f"#registration-{registration.pk}")).to_contain_text(registration.certificate_no)
    me.locator("#apply-PHY-SITE-FILE").click()
    expect(me.locator("h1")).to_contain_text("多执业机构备案")
    me.locator("#id_registration").select_option(str(registration.pk))
    _search_institution(me, "#id_site_institution_q", "#btn-main-institution-search", COUNTY_HOSPITAL)
    me.locator(f"#site_institution-results input[name=site_institution][value='{county_hospital.pk}']").check()
    me.locator("#id_work_kind").select_option("consultation")
    me.locator("#id_start_on").fill(start.isoformat())
    me.locator("#id_end_on").fill(end.isoformat())
    me.locator("#id_declaration").check()
    me.locator("#btn-create").click()
    expect(me.locator("#field-work_kind")).to_contain_text("依法无需办理多机构备案")

    step("3 a consultation needs no filing; the physician files regular multi-site practice")
    me.locator("#id_work_kind").select_option("multi_site")
    if not me.locator(f"input[name=site_institution][value='{county_hospital.pk}']").first.is_checked():
        _search_institution(me, "#id_site_institution_q", "#btn-main-institution-search", COUNTY_HOSPITAL)
        me.locator(f"#site_institution-results input[name=site_institution][value='{county_hospital.pk}']").check()
    me.locator("#btn-create").click()
    expect(_messages(me)).to_contain_text("申请草稿已保存")
    number = me.locator("#app-number").inner_text().strip()
    me.locator("#btn-submit").click()
    expect(_messages(me)).to_contain_text("申请已提交")
    expect(me.locator("#app-status")).to_contain_text("待机构确认")
    detail_url = me.url

    step("4 the main institution consents")
    inst = browsing.login("km1h_admin")
    _open_in_institution(inst, number)
    inst.locator("#btn-confirm").click()
    expect(inst.locator("#application-status")).to_contain_text("待受理")

    step("5 the county commission accepts, reviews and files")
    clerk = browsing.login("wh_clerk")
    _open_in_authority(clerk, number)
    expect(clerk.locator("#application-summary")).to_contain_text("五华区卫生健康局")
    clerk.locator("#btn-accept").click()
    expect(clerk.locator("#application-status")).to_contain_text("已受理")
    reviewer = browsing.login("wh_reviewer")
    _open_in_authority(reviewer, number)
    reviewer.locator("#review-form textarea[name=opinion]").fill("同一省内多机构执业，主要执业机构已同意。")
    reviewer.get_by_label("建议准予").check()
    reviewer.locator("#btn-review").click()
    expect(reviewer.locator("#application-status")).to_contain_text("审核完成")
    approver = browsing.login("wh_approver")
    _open_in_authority(approver, number)
    approver.locator("#btn-approve").click()
    expect(approver.locator("#application-status")).to_contain_text("准予许可")

    step("6 the filed site shows on the physician's home page with its dates")
    me.goto(detail_url)
    expect(me.locator("#app-status")).to_contain_text("准予许可")
    me.goto("/portal/me/")
    filed = me.locator(f"#registration-{registration.pk} tr[data-kind=filed]")
    expect(filed).to_have_count(1)
    expect(filed).to_contain_text(COUNTY_HOSPITAL)
    expect(filed).to_contain_text(f"{start.isoformat()} — {end.isoformat()}")
    expect(filed).to_have_attribute("data-status", "active")
