"""A nurse's registration renewal (护士延续注册), end to end in real Chromium, through the UI only.

Set up by services: the world and a nurse already on the register (legacy import) whose registration
expires in 40 days, with her account and e-licence. Everything else is clicked: the renewal offered on
the personal side, the application, institution confirmation, acceptance, review, approval, and the
e-licence in the individual portal showing the validity extended by five years.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medreg.demo.world import registered_nurse
from medreg.people.nursing import add_years

NAME = "赵丽娟"
USERNAME = "zhaolj"
HOSPITAL = "昆明市第一人民医院"

pytestmark = pytest.mark.e2e


def _messages(page):
    return page.locator("#messages")


def _open_from_list(page, portal: str, nav: str, link: str, number: str) -> None:
    page.goto(portal)
    page.locator(nav).get_by_role("link", name=link, exact=True).click()
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("h1")).to_contain_text(number)


def test_nurse_renewal_from_application_to_extended_licence(tx_world, browsing, step):
    world = tx_world
    step("1 setup: a registered nurse whose registration expires in 40 days")
    valid_until = timezone.localdate() + timedelta(days=40)
    renewed_until = add_years(valid_until, 5)
    registered_nurse(world, name=NAME, username=USERNAME, valid_until=valid_until)

    # -- 2. the licence shows the current expiry; the renewal is offered --------------------------------
    step("2 nurse sees her licence and the renewal item")
    me = browsing.login(USERNAME)
    me.locator("#nav-me-licences").click()
    expect(me.locator(".licence-valid-until")).to_have_text(valid_until.isoformat())
    me.goto("/portal/me/")
    me.locator("#apply-NUR-REG-RENEW").click()
    expect(me.locator("h1")).to_contain_text("护士延续注册")

    # -- 3. the application ----------------------------------------------------------------------------
    step("3 fill in and submit the renewal")
    registration = me.locator("#id_registration")
    expect(registration.locator("option:checked")).to_contain_text(HOSPITAL)
    me.locator("#id_health_declaration").check()
    me.locator("#id_declaration").check()
    me.locator("#btn-create").click()
    expect(_messages(me)).to_contain_text("申请草稿已保存")
    number = me.locator("#app-number").inner_text().strip()
    assert number, "the application page shows no application number"
    detail_url = me.url
    me.locator("#btn-submit").click()
    expect(_messages(me)).to_contain_text("申请已提交")
    expect(me.locator("#app-status")).to_contain_text("待机构确认")

    # -- 4. the hospital confirms ----------------------------------------------------------------------
    step("4 institution confirms")
    inst = browsing.login("km1h_admin")
    _open_from_list(inst, "/portal/institution/", "#institution-nav", "申请确认", number)
    expect(inst.locator("#applicant-name")).to_have_text(NAME)
    inst.locator("#btn-confirm").click()
    expect(_messages(inst)).to_contain_text("已确认，申请已报送卫生健康行政部门")

    # -- 5. acceptance, review, decision by the city commission ----------------------------------------
    step("5a clerk accepts")
    clerk = browsing.login("km_clerk")
    _open_from_list(clerk, "/portal/authority/", "#authority-nav", "待办", number)
    clerk.locator("#btn-accept").click()
    expect(_messages(clerk)).to_contain_text("已受理")

    step("5b reviewer recommends approval")
    reviewer = browsing.login("km_reviewer")
    _open_from_list(reviewer, "/portal/authority/", "#authority-nav", "待办", number)
    reviewer.locator("#review-form textarea[name=opinion]").fill("在有效期届满前申请，符合延续注册条件。")
    reviewer.get_by_label("建议准予").check()
    reviewer.locator("#btn-review").click()
    expect(_messages(reviewer)).to_contain_text("审核意见已提交")

    step("5c approver approves")
    approver = browsing.login("km_approver")
    _open_from_list(approver, "/portal/authority/", "#authority-nav", "待办", number)
    approver.locator("#btn-approve").click()
    expect(approver.locator("#application-status")).to_contain_text("准予许可")

    # -- 6. the licence now shows the extended validity -----------------------------------------------
    step("6 nurse sees the renewed licence")
    me.goto(detail_url)
    expect(me.locator("#app-status")).to_contain_text("准予许可")
    me.locator("#nav-me-licences").click()
    cards = me.locator(".licence-card")
    expect(cards).to_have_count(1)
    expect(me.locator(".licence-valid-until")).to_have_text(renewed_until.isoformat())
    expect(cards.first).to_contain_text("第2版")
    expect(me.locator("main")).to_contain_text(HOSPITAL)
    # the renewal is no longer offered: the new expiry is five years away
    me.goto("/portal/me/")
    expect(me.locator("#apply-NUR-REG-RENEW")).to_have_count(0)
