"""The PDF rendition: rendered to PNG with pdftoppm, not blank, Chinese font embedded, the QR decodes."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from medreg.licences import pdf, services

pytestmark = pytest.mark.django_db


def render_pages(data: bytes, tmp_path: Path) -> list[Image.Image]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed; .ci/run installs it")
    src = tmp_path / "licence.pdf"
    src.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(src), str(tmp_path / "page")], check=True, timeout=120)
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("page*.png"))]


def dark_fraction(img: Image.Image) -> float:
    hist = img.histogram()
    return sum(hist[:128]) / (img.width * img.height)


def test_physician_pdf_renders_with_font_qr_and_seal(registration, tmp_path):
    lic = registration.licences.get()
    data = pdf.render_pdf(lic)
    assert data.startswith(b"%PDF") and b"/FontFile" in data  # the font is embedded
    [page] = render_pages(data, tmp_path)
    assert 0.01 < dark_fraction(page) < 0.5  # not blank, not a black page
    found = zxingcpp.read_barcodes(page)
    assert [r.text for r in found if r.format == zxingcpp.BarcodeFormat.QRCode] == [lic.qr_payload]
    assert services.verify_qr(found[0].text).valid
    # the seal is red: enough strongly red pixels on the colour rendering
    colour = Image.open(sorted(tmp_path.glob("page*.png"))[0]).convert("RGB")
    red = sum(1 for r, g, b in colour.getdata() if r > 150 and g < 90 and b < 90)
    assert red > 2000


def test_institution_pdf_has_a_copy_page(world, tmp_path):
    lic = services.issue_for_institution(world.hospital, acting_user=None)
    pages = render_pages(pdf.render_pdf(lic), tmp_path)
    assert len(pages) == 2 and all(dark_fraction(p) > 0.005 for p in pages)
    assert [r.text for r in zxingcpp.read_barcodes(pages[0])] == [lic.qr_payload]


def test_pdf_text_has_no_personal_identifiers(registration):
    lic = registration.licences.get()
    data = pdf.render_pdf(lic)
    assert lic.holder_name  # present via the embedded font glyphs, not checked here
    assert b"id_number" not in data


def test_seal_image_is_a_transparent_red_disc():
    img = Image.open(io.BytesIO(pdf.seal_png("云南省卫生健康委员会"))).convert("RGBA")
    assert img.size == (480, 480) and img.getpixel((0, 0))[3] == 0
    assert img.getpixel((240, 240))[:3] == pdf.SEAL_RED
