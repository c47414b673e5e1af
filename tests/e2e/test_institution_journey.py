"""An institution's 执业登记 with 线上踏勘 and 电子会商, end to end in real Chromium.

Set up by services: the world (authorities, staff accounts) and the pending institution with its admin
account (the authority creates both top-down). Then, through the browser only: the institution applies
in 机构端 → 机构业务申请 with its materials; the city clerk accepts and sends a 线上踏勘 task to the
county's supervision account; the inspector reads the application, uploads a site photo, fills in the
《现场踏勘结论表》 and returns it; the clerk sees it on the decision screen and opens an 电子会商 thread
mentioning the inspector; the inspector replies and pushes an 审批风险 note; the clerk closes the thread
with a conclusion; the reviewer records the 不予登记 checks and reviews; the approver, who sees the form and
the risk note, approves; and the institution's licence appears on the public institution register.
"""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from medreg.institutions.testing import make_pending_institution

pytestmark = pytest.mark.e2e

NAME = "昆明康宁医院"
ADMIN = "kangning_admin"
INSPECTOR = "wh_supervision"  # 五华区卫生健康局 supervision account (the institution is in 五华区)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buf, "PNG")
    return buf.getvalue()


def _messages(page):
    return page.locator("#messages")


def _open_in_authority(page, number: str) -> None:
    page.goto("/portal/authority/")
    page.locator("#authority-nav").get_by_role("link", name="待办", exact=True).click()
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("h1")).to_contain_text(number)


def test_institution_registration_with_inspection_and_consultation(tx_world, browsing, step, tmp_path):
    world = tx_world
    step("1 setup: pending institution and its admin account")
    inst, _admin = make_pending_institution(world, name=NAME, admin_username=ADMIN)
    photo = tmp_path / "site.png"
    photo.write_bytes(_png_bytes())
    materials = tmp_path / "materials.pdf"
    materials.write_bytes(PDF)

    # -- 2. the institution applies for 执业登记 --------------------------------------------------------
    step("2 institution applies")
    me = browsing.login(ADMIN)
    me.goto("/portal/institution/")
    me.locator("#institution-nav").get_by_role("link", name="机构业务申请", exact=True).click()
    me.locator("#item-INST-REG-PRACTICE").get_by_role("link", name="医疗机构执业登记").click()
    expect(me.locator("#id_name")).to_have_value(NAME)  # prefilled from the pending registry record
    me.locator("#id_second_names").fill("昆明康宁互联网医院")
    for code in ("03", "03.01", "04"):
        me.locator(f"#field-subject_codes input[value='{code}']").check()
    me.locator("#id_beds").fill("99")
    me.locator("#id_dental_chairs").fill("0")
    me.locator("#id_registered_capital").fill("1200.50")
    me.locator("#id_declaration").check()
    me.locator("#id_material").set_input_files(str(materials))
    me.locator("#btn-submit").click()
    expect(_messages(me)).to_contain_text("申请已提交")
    expect(me.locator("#application-status")).to_have_attribute("data-status", "received")
    number = me.locator("h1 .mono").inner_text().strip()
    assert number.startswith("SQ")

    # The institution is not on the public register before its registration is approved.
    public = browsing.new_page("public")
    public.goto("/public/institutions/")
    public.get_by_label("机构名称、统一社会信用代码或登记号").fill(NAME)
    public.locator("#btn-institution-search").click()
    expect(public.locator("#public-no-results")).to_be_visible()

    # -- 3. the clerk accepts and sends an inspection ----------------------------------------------------
    step("3 clerk accepts")
    clerk = browsing.login("km_clerk")
    _open_in_authority(clerk, number)
    clerk.locator("#btn-accept").click()
    expect(_messages(clerk)).to_contain_text("已受理")
    expect(clerk.locator("#application-status")).to_have_attribute("data-status", "accepted")

    step("4 clerk sends the inspection task")
    expect(clerk.locator("#no-inspection")).to_be_visible()
    option = clerk.locator("#id_assignee option", has_text=INSPECTOR)
    clerk.locator("#id_assignee").select_option(value=option.get_attribute("value"))
    clerk.locator("#id_instructions").fill("重点核查消毒隔离和医疗废物处置")
    clerk.locator("#btn-send-inspection").click()
    expect(_messages(clerk)).to_contain_text("已向监管部门派发现场踏勘任务")
    expect(clerk.locator("#site-inspection article.inspection")).to_have_attribute("data-status", "sent")

    # -- 5. the inspector fills in and returns the form -------------------------------------------------
    step("5 inspector returns the form")
    inspector = browsing.login(INSPECTOR)
    inspector.goto("/portal/authority/")
    inspector.locator("#authority-nav").get_by_role("link", name="踏勘与会商", exact=True).click()
    inspector.locator("#open-table").get_by_role("link", name=number, exact=True).click()
    expect(inspector.locator("h1")).to_contain_text("医院现场踏勘结论表")
    expect(inspector.locator("#form-data")).to_contain_text(NAME)  # the application, for use on site
    inspector.locator("#id_kind").select_option("photo")
    inspector.locator("#id_file").set_input_files(str(photo))
    inspector.locator("#btn-upload").click()
    expect(_messages(inspector)).to_contain_text("文件已上传")
    expect(inspector.locator("#inspection-files")).to_contain_text("site.png")
    for radio in inspector.locator("#inspection-return-form input[type=radio][value=conforms]").all():
        radio.check()
    inspector.locator("#id_findings").fill("执业场所、布局、设备与申请材料一致；消毒隔离抽查合格。")
    inspector.locator("#conclusion_passed").check()
    inspector.locator("#btn-return-inspection").click()
    expect(_messages(inspector)).to_contain_text("现场踏勘结论表已回传审批部门")
    expect(inspector.locator(".inspection-conclusion")).to_have_text("合格")

    # -- 6. the decision screen shows the returned form ---------------------------------------------------
    step("6 clerk sees the returned form")
    clerk.reload()
    article = clerk.locator("#site-inspection article.inspection")
    expect(article).to_have_attribute("data-status", "returned")
    expect(article.locator(".inspection-conclusion")).to_have_text("合格")
    expect(article.locator(".findings")).to_contain_text("消毒隔离抽查合格")

    # -- 7. an e-consultation thread is opened, answered and concluded ------------------------------------
    step("7 clerk opens a consultation")
    clerk.locator("#open-consultation summary").click()
    clerk.locator("#id_consult_title").fill("康宁医院执业登记会商")
    clerk.locator("#id_consult_body").fill(f"@{INSPECTOR} 请确认该院有无在案的监管处罚记录。")
    clerk.locator("#btn-open-consultation").click()
    expect(_messages(clerk)).to_contain_text("会商已发起")
    expect(clerk.locator("h1")).to_contain_text("康宁医院执业登记会商")
    thread_url = clerk.url

    step("8 inspector answers")
    inspector.goto("/portal/authority/supervision/consultations/")
    inspector.get_by_role("link", name="康宁医院执业登记会商", exact=True).click()
    expect(inspector.locator("#thread-messages")).to_contain_text("请确认该院有无在案的监管处罚记录")
    inspector.locator("#id_message_body").fill("经查询，该院无在案的监管处罚记录。")
    inspector.locator("#btn-send-message").click()
    expect(_messages(inspector)).to_contain_text("消息已发送")
    inspector.locator("#kind_approval_risk").check()
    inspector.locator("#id_flag_note").fill("医疗废物暂存点紧邻门诊通道，执业后须重点监管。")
    inspector.locator("#btn-raise-flag").click()
    expect(_messages(inspector)).to_contain_text("风险标记已推送")
    expect(inspector.locator("#risk-flags")).to_contain_text("医疗废物暂存点")

    step("9 clerk closes the consultation")
    clerk.goto(thread_url)
    expect(clerk.locator("#thread-messages")).to_contain_text("无在案的监管处罚记录")
    # The clerk's first message has been read by the inspector.
    expect(clerk.locator("#thread-messages .read-receipt").first).to_contain_text("已读")
    clerk.locator("#btn-close-thread").click()  # without a conclusion: refused by the browser (required)
    expect(clerk.locator("#thread-status")).to_have_attribute("data-status", "open")
    clerk.locator("#id_close_conclusion").fill("无监管处罚记录，踏勘合格，同意进入审核。")
    clerk.locator("#btn-close-thread").click()
    expect(_messages(clerk)).to_contain_text("会商已结束")
    expect(clerk.locator("#thread-status")).to_have_attribute("data-status", "closed")
    expect(clerk.locator("#thread-conclusion")).to_contain_text("同意进入审核")

    # -- 10. review (with the 不予登记 checks) and approval -------------------------------------------------
    step("10 reviewer records the checks and reviews")
    reviewer = browsing.login("km_reviewer")
    _open_in_authority(reviewer, number)
    expect(reviewer.locator("#consultation-threads")).to_contain_text("康宁医院执业登记会商")
    reviewer.locator("#registration-checks-link").click()
    for radio in reviewer.locator("#registration-checks input[type=radio][value=pass]").all():
        radio.check()
    reviewer.locator("#save-checks").click()
    _open_in_authority(reviewer, number)
    reviewer.locator("#id_review_opinion").fill("材料齐全，现场踏勘合格，会商无异议。")
    reviewer.locator("#btn-review").click()
    expect(reviewer.locator("#application-status")).to_have_attribute("data-status", "reviewed")

    step("11 approver approves")
    approver = browsing.login("km_approver")
    _open_in_authority(approver, number)
    expect(approver.locator("#site-inspection .inspection-conclusion")).to_have_text("合格")
    expect(approver.locator("#risk-flags")).to_contain_text("审批风险")
    approver.locator("#btn-approve").click()
    expect(approver.locator("#application-status")).to_have_attribute("data-status", "approved")

    # -- 12. the licence is on the public institution register ---------------------------------------------
    step("12 public institution register")
    public.goto("/public/institutions/")
    public.get_by_label("机构名称、统一社会信用代码或登记号").fill(NAME)
    public.locator("#btn-institution-search").click()
    row = public.locator("#institution-results-table .public-row", has_text=NAME)
    expect(row).to_have_count(1)
    public.get_by_role("link", name=NAME, exact=True).click()
    expect(public.locator("#institution-name")).to_have_text(NAME)
    expect(public.locator("#institution-status")).to_have_text("执业")
    expect(public.locator("#institution-validity")).to_be_visible()
    inst.refresh_from_db()
    expect(public.locator("#institution-facts")).to_contain_text(inst.registration_no)
