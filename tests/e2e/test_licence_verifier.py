"""The /verify/ page's self-hosted verifier in real Chromium: WebCrypto signature check against the signed
trust list, status-list read, offline use from the cache, precise reasons, and the online verdict."""

from __future__ import annotations

import cbor2
import pytest

from medreg.licences import cose

pytestmark = pytest.mark.e2e


def _forge_signature(qr: str) -> str:
    message = cbor2.loads(cose.decode_qr_payload(qr))
    value = list(message.value)
    sig = bytearray(value[3])
    sig[5] ^= 0xFF
    value[3] = bytes(sig)
    return cose.encode_qr_payload(cbor2.dumps(cbor2.CBORTag(18, value)))


OFFLINE = """async (qr) => {
  try { return await window.MedRegVerifier.verifyOffline(qr); }
  catch (e) { return {error: e.code || String(e), detail: e.detail || ''}; }
}"""


def test_verifier_checks_signatures_offline_and_status_online(tx_world, browsing, settings, live_server):
    from medreg.demo.world import register_physician
    from medreg.licences import services
    from medreg.licences.tests.conftest import approve_first_registration

    settings.PUBLIC_BASE_URL = live_server.url
    reg = approve_first_registration(tx_world, register_physician(tx_world))
    lic = services.sync_registration_licence(reg, acting_user=None)
    page = browsing.new_page()
    page.goto("/verify/")
    page.wait_for_selector("#js-verifier:not([hidden])")

    ok = page.evaluate(OFFLINE, lic.qr_payload)
    assert ok.get("signature") == "valid", ok
    assert ok["identifier"] == lic.identifier and ok["holder_name"] == lic.holder_name
    assert ok["status"] == "valid" and ok["issuer"] == lic.authority.name

    assert page.evaluate(OFFLINE, _forge_signature(lic.qr_payload))["error"] == "qr_signature"
    assert page.evaluate(OFFLINE, "HC1:6BF")["error"] == "qr_prefix"
    assert page.evaluate(OFFLINE, "HL1:???")["error"] == "qr_encoding"

    # the visible verdict (online: the registry's answer)
    page.locator("#qr").fill(lic.qr_payload)
    page.locator("#btn-verify").click()
    page.wait_for_selector("#js-result[data-outcome=valid]")

    # offline: the cached trust list and status list still verify the signature
    page.context.set_offline(True)
    again = page.evaluate(OFFLINE, lic.qr_payload)
    assert again.get("signature") == "valid" and again["status"] == "valid", again
    # and the form, offline, checks here instead of submitting
    page.evaluate("document.getElementById('js-result').removeAttribute('data-outcome')")
    page.locator("#qr").fill(_forge_signature(lic.qr_payload))
    page.locator("#btn-verify").click()
    page.wait_for_selector("#js-result[data-outcome=invalid]")
    assert "签名验证失败" in page.locator("#js-reason").inner_text()
    page.locator("#qr").fill(lic.qr_payload)
    page.context.set_offline(False)

    # revoked: the online verdict says so
    services.revoke_licence(lic.pk, acting_user=None, reason="注销")
    page.locator("#btn-verify").click()
    page.wait_for_selector("#js-result[data-outcome=revoked]")
