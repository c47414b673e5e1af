"""A physician's first practice registration, end to end in real Chromium, through the UI only.

Only the world (authorities, hospital, staff accounts) and the exam centre's qualification record are set up
by services; everything else is clicked: self-registration, activation by the hospital's code, the
application with its uploads, institution confirmation, a 补正 round, acceptance, review, approval, the
e-licence's QR payload, the public register and the public verification of the payload.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from medreg.demo.world import make_physician_qualification

NAME = "李明华"
USERNAME = "limh2026"
PHONE = "13912345678"
PASSWORD = "Medreg!2026"
HOSPITAL = "昆明市第一人民医院"
CORRECTION = "照片不清晰，请重新上传近6个月二寸白底免冠照片"

pytestmark = pytest.mark.e2e


def _png(path):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 56), "white").save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def _pdf(path):
    path.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return path


def _messages(page):
    return page.locator("#messages")


def _htmx(page, url_part: str, action) -> None:
    """Run an action that fires an htmx request to url_part; return once its response has been swapped in."""
    before = page.evaluate("() => window.__htmxSettled || 0")
    with page.expect_response(lambda r: url_part in r.url):
        action()
    page.wait_for_function("n => (window.__htmxSettled || 0) > n", arg=before)


def _search_institution(page, box: str, button: str, text: str) -> None:
    """Type into an institution search box (htmx type-ahead), then press its 搜索 button.

    Each fires a search that replaces the result list; waiting for each swap keeps a late one from
    wiping out the radio button chosen afterwards.
    """
    _htmx(page, "/institutions/search", lambda: page.locator(box).fill(text))
    _htmx(page, "/institutions/search", lambda: page.locator(button).click())


def _open_from_list(page, portal: str, nav: str, link: str, number: str) -> None:
    """From a portal's home, follow its sub-navigation to a list, then open an application by its number."""
    page.goto(portal)
    page.locator(nav).get_by_role("link", name=link, exact=True).click()
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("h1")).to_contain_text(number)


def _open_in_institution(page, number: str) -> None:
    _open_from_list(page, "/portal/institution/", "#institution-nav", "申请确认", number)


def _open_in_authority(page, number: str) -> None:
    _open_from_list(page, "/portal/authority/", "#authority-nav", "待办", number)


def test_physician_first_registration_from_sign_up_to_verified_licence(tx_world, browsing, step, tmp_path):
    world = tx_world
    step("1 setup: synced qualification record")
    _record, id_number = make_physician_qualification(rng=world.rng, name=NAME, division_code="530102")
    photo = _png(tmp_path / "photo.png")
    proof = _pdf(tmp_path / "employment-proof.pdf")

    # -- 2. self-registration ------------------------------------------------------------------------
    step("2 register")
    me = browsing.new_page("physician")
    me.goto("/accounts/register/")
    me.get_by_role("radio", name="医师", exact=True).check()
    me.get_by_label("真实姓名").fill(NAME)
    me.get_by_label("身份证号").fill(id_number)
    me.get_by_label("手机号").fill(PHONE)
    me.get_by_label("登录名").fill(USERNAME)
    me.locator("#id_password").fill(PASSWORD)
    me.get_by_label("确认密码").fill(PASSWORD)
    me.locator("#btn-register").click()
    me.wait_for_url("**/portal/me/")
    expect(me.locator("#current-user")).to_contain_text(NAME)

    # -- 3. ask the hospital to activate the account -------------------------------------------------
    step("3 request activation")
    _search_institution(me, "#institution-q", "#btn-institution-search", "昆明市第一")
    me.locator(f"#institution-results input[name=institution_id][value='{world.hospital.pk}']").check()
    me.locator("#btn-request-activation").click()
    expect(_messages(me)).to_contain_text(f"已向“{HOSPITAL}”提交激活申请")
    expect(me.locator(f"#affiliation-{world.hospital.pk}")).to_have_attribute("data-status", "pending")

    # -- 4. the hospital sends a code; the physician enters it ---------------------------------------
    step("4a institution sends the activation code")
    inst = browsing.login("km1h_admin")
    inst.goto("/portal/institution/")
    inst.locator("#institution-nav").get_by_role("link", name="账户激活", exact=True).click()
    row = inst.locator("#pending-activations tbody tr", has_text=NAME)
    expect(row).to_have_count(1)
    row.locator("button[id^=send-code-]").click()
    expect(inst.locator("[id^=send-code-status-]", has_text="激活码已发送")).to_have_count(1)

    step("4b physician reads the code and activates")
    me.locator("#nav-me-notifications").click()
    note = me.locator("#inbox .notification", has_text="执业账户激活码").first
    expect(note).to_be_visible()
    code = re.search(r"激活码：(\d{6})", note.inner_text()).group(1)
    note.get_by_role("link", name="查看").click()
    expect(me.locator("#activation-code-form")).to_contain_text(f"激活机构：{HOSPITAL}")
    me.locator("#activation-code").fill(code)
    me.locator("#btn-activate").click()
    expect(_messages(me)).to_contain_text(f"账户已激活：{HOSPITAL}")
    expect(me.locator(f"#affiliation-{world.hospital.pk}")).to_have_attribute("data-status", "active")

    # -- 5. the application --------------------------------------------------------------------------
    step("5a fill the first-registration form")
    me.locator("#nav-me-apply").click()
    expect(me.locator("h1")).to_contain_text("医师首次执业注册")
    qualification = me.locator("#id_qualification")
    first_option = qualification.locator("option").nth(1).get_attribute("value")
    if qualification.input_value() != first_option:
        _htmx(me, "/scopes/", lambda: qualification.select_option(first_option))
    expect(qualification).to_have_value(first_option)
    _search_institution(me, "#id_main_institution_q", "#btn-main-institution-search", HOSPITAL)
    chosen = me.locator(f"#main_institution-results input[name=main_institution][value='{world.hospital.pk}']")
    chosen.check()
    scope = me.get_by_role("checkbox", name="内科专业", exact=True)
    expect(scope).to_have_attribute("value", "11")
    scope.check()
    me.get_by_label("学历").fill("本科")
    me.get_by_label("毕业院校").fill("昆明医科大学")
    me.locator("#id_declaration").check()
    expect(chosen).to_be_checked()
    me.locator("#btn-create").click()
    expect(_messages(me)).to_contain_text("申请草稿已保存")
    number = me.locator("#app-number").inner_text().strip()
    assert number, "the application page shows no application number"
    expect(me.locator("#app-status")).to_contain_text("草稿")
    detail_url = me.url

    step("5b upload materials and submit")
    me.locator("#upload-photo").set_input_files(str(photo))
    me.locator("#upload-employment_proof").set_input_files(str(proof))
    me.locator("#btn-upload").click()
    expect(_messages(me)).to_contain_text("已上传 2 个文件")
    expect(me.locator("#uploaded-photo")).to_contain_text("photo.png")
    expect(me.locator("#uploaded-employment_proof")).to_contain_text("employment-proof.pdf")
    me.locator("#btn-submit").click()
    expect(_messages(me)).to_contain_text("申请已提交")
    expect(me.locator("#app-status")).to_contain_text("待机构确认")

    # -- 6. the hospital confirms --------------------------------------------------------------------
    step("6 institution confirms")
    _open_in_institution(inst, number)
    expect(inst.locator("#applicant-name")).to_have_text(NAME)
    inst.locator("#btn-confirm").click()
    expect(_messages(inst)).to_contain_text("已确认，申请已报送卫生健康行政部门")
    expect(inst.locator("#application-status")).to_contain_text("待受理")

    # -- 7. the city commission asks for a correction ------------------------------------------------
    step("7 clerk requests a correction")
    clerk = browsing.login("km_clerk")
    _open_in_authority(clerk, number)
    clerk.locator("#correction-form textarea[name=items]").fill(CORRECTION)
    clerk.locator("#btn-correction").click()
    expect(_messages(clerk)).to_contain_text("已发出一次性补正告知")
    expect(clerk.locator("#application-status")).to_contain_text("补正中")

    # -- 8. the physician sees the items and resubmits -----------------------------------------------
    step("8 physician resubmits")
    me.goto(detail_url)
    expect(me.locator("#app-status")).to_contain_text("补正中")
    expect(me.locator("#correction-items")).to_contain_text(CORRECTION)
    me.locator("#btn-resubmit").click()
    expect(_messages(me)).to_contain_text("补正材料已提交")
    expect(me.locator("#app-status")).to_contain_text("待受理")

    # -- 9. acceptance, review, decision -------------------------------------------------------------
    step("9a clerk accepts")
    clerk.reload()
    clerk.locator("#btn-accept").click()
    expect(_messages(clerk)).to_contain_text("已受理")
    expect(clerk.locator("#application-status")).to_contain_text("已受理，审核中")

    step("9b reviewer recommends approval")
    reviewer = browsing.login("km_reviewer")
    _open_in_authority(reviewer, number)
    reviewer.locator("#review-form textarea[name=opinion]").fill("材料齐全，符合首次执业注册条件。")
    reviewer.get_by_label("建议准予").check()
    reviewer.locator("#btn-review").click()
    expect(_messages(reviewer)).to_contain_text("审核意见已提交")
    expect(reviewer.locator("#application-status")).to_contain_text("审核完成，待决定")

    step("9c approver approves")
    approver = browsing.login("km_approver")
    _open_in_authority(approver, number)
    approver.locator("#btn-approve").click()
    expect(_messages(approver)).to_contain_text("已准予许可，电子证照已生成")
    expect(approver.locator("#application-status")).to_contain_text("准予许可")

    # -- 10. the e-licence ---------------------------------------------------------------------------
    step("10 physician reads the QR payload")
    me.goto(detail_url)
    expect(me.locator("#app-status")).to_contain_text("准予许可")
    me.locator("#nav-me-licences").click()
    payload_box = me.locator("#qr-payload")
    expect(payload_box).not_to_be_editable()
    payload = payload_box.input_value().strip()
    assert payload.startswith("HL1:"), f"unexpected QR payload {payload[:20]!r}"
    expect(me.locator("main")).to_contain_text(HOSPITAL)

    # -- 11. the public register ---------------------------------------------------------------------
    step("11 public register")
    public = browsing.new_page("public")
    public.goto("/public/")
    public.get_by_label("姓名").fill(NAME)
    public.get_by_label("省份").select_option(label="云南省")
    public.locator("#btn-public-search").click()
    results = public.locator("#public-results")
    expect(results).to_contain_text(NAME)
    expect(results).to_contain_text(HOSPITAL)
    for text in (public.locator("body").inner_text(), public.content()):
        assert id_number not in text and id_number[-6:] not in text, "the public register shows the ID number"
        assert PHONE not in text, "the public register shows the phone number"

    # -- 12. public verification of the QR payload ---------------------------------------------------
    step("12 verify the payload")
    public.goto("/verify/")
    public.locator("#qr").fill(payload)
    public.locator("#btn-verify").click()
    verdict = public.locator("#verify-result")
    expect(verdict).to_have_attribute("data-valid", "true")
    expect(verdict.locator("h2")).to_contain_text("有效")
    expect(public.locator("#verify-holder")).to_have_text(NAME)
    expect(public.locator("#verify-institution")).to_have_text(HOSPITAL)
