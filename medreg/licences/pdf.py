"""PDF rendition of an e-licence (fpdf2): Chinese font embedded, the signed QR code, the issuer's seal image
and the 电子证照标识. An institution's 执业许可证 has a 正本 page and a 副本 page with its 校验 and change
records. No ID number, birth date or phone number is printed.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation

from medreg.licences import cose
from medreg.licences.choices import LicenceKind, LicenceStatus

if TYPE_CHECKING:
    from medreg.licences.models import ELicence

# The Noto Sans SC subset (SIL OFL 1.1, medreg/core/fonts/OFL.txt) shared with the archive PDF.
FONT_PATH = Path(__file__).resolve().parent.parent / "core" / "fonts" / "NotoSansSC-Subset.otf"
SEAL_RED = (200, 16, 32)


@lru_cache(maxsize=64)
def seal_png(authority_name: str, size: int = 480) -> bytes:
    """A round red seal image: ring, five-pointed star, the authority's name along the upper arc and
    "电子证照专用章" below the star (generated; not a legal seal)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    c = size / 2
    ring = size * 0.03
    draw.ellipse((ring, ring, size - ring, size - ring), outline=SEAL_RED + (255,), width=int(size * 0.035))
    # the star
    r_out, r_in = size * 0.15, size * 0.06
    points = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / 5
        points.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(points, fill=SEAL_RED + (255,))
    # the name along the arc, each character rotated to face outwards
    name = authority_name[:16] or "MedReg"
    font = ImageFont.truetype(str(FONT_PATH), int(size * (0.11 if len(name) <= 10 else 0.085)))
    span = math.radians(min(240, 22 * len(name)))
    radius = size * 0.36
    for i, ch in enumerate(name):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(name)
        glyph = Image.new("RGBA", (int(size * 0.16), int(size * 0.16)), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=SEAL_RED + (255,),
                                   anchor="mm")
        glyph = glyph.rotate(-math.degrees(a + math.pi / 2), resample=Image.Resampling.BICUBIC)
        x, y = c + radius * math.cos(a) - glyph.width / 2, c + radius * math.sin(a) - glyph.height / 2
        img.alpha_composite(glyph, (int(x), int(y)))
    small = ImageFont.truetype(str(FONT_PATH), int(size * 0.07))
    draw.text((c, c + size * 0.25), "电子证照专用章", font=small, fill=SEAL_RED + (255,), anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _rows(lic: ELicence) -> list[tuple[str, str]]:
    from medreg.licences.services import _code_name
    from medreg.reference import selectors as ref

    d: dict[str, Any] = lic.data
    if lic.kind == LicenceKind.INSTITUTION:
        return [
            ("机构名称", lic.holder_name),
            ("地址", d.get("address", "")),
            ("法定代表人", d.get("legal_representative", "")),
            ("主要负责人", d.get("principal", "")),
            ("统一社会信用代码", d.get("uscc", "")),
            ("登记号", lic.licence_no),
            ("类别", _code_name(ref, "institution_category", d.get("category_code"))),
            ("诊疗科目", "、".join(_code_name(ref, "medical_subject", c) for c in d.get("subject_codes", []))),
            ("床位（牙椅）", f"{d.get('beds', 0)}（{d.get('dental_chairs', 0)}）"),
            ("有效期限", f"{d.get('valid_from', '')} 至 {d.get('valid_until', '')}"),
        ]
    rows = [
        ("姓名", lic.holder_name),
        ("证书编码", lic.licence_no),
    ]
    if lic.kind == LicenceKind.PHYSICIAN:
        rows += [
            ("执业级别", _code_name(ref, "practice_level", d.get("level_code"))),
            ("执业类别", _code_name(ref, "practice_category", d.get("category_code"))),
            ("执业范围", "、".join(_code_name(ref, "practice_scope", c) for c in d.get("scope_codes", []))),
        ]
    rows += [("主要执业机构" if lic.kind == LicenceKind.PHYSICIAN else "执业机构", d.get("institution_name", ""))]
    if d.get("valid_until"):
        rows.append(("注册有效期至", d["valid_until"]))
    return rows


def render_pdf(lic: ELicence) -> bytes:
    """The licence as a one-page PDF (two pages for an institution: 正本 and 副本)."""
    from fpdf import FPDF

    with translation.override(settings.LANGUAGE_CODE):
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=False)
        pdf.add_font("noto", "", str(FONT_PATH))
        pdf.set_title(f"{LicenceKind(lic.kind).label} {lic.licence_no}")
        pdf.set_creator("MedReg")
        _front(pdf, lic, title=str(LicenceKind(lic.kind).label) + ("（正本）" if lic.kind == LicenceKind.INSTITUTION
                                                                    else ""))
        if lic.kind == LicenceKind.INSTITUTION:
            _copy_page(pdf, lic)
        return bytes(pdf.output())


def _front(pdf: Any, lic: ELicence, *, title: str) -> None:
    pdf.add_page()
    pdf.set_draw_color(*SEAL_RED)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)
    pdf.set_font("noto", size=24)
    pdf.set_y(24)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", size=10)
    pdf.cell(0, 6, "医疗执业电子注册系统 · 电子证照", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    _table(pdf, _rows(lic))
    if lic.status != LicenceStatus.VALID:
        pdf.set_text_color(*SEAL_RED)
        pdf.set_font("noto", size=14)
        pdf.cell(0, 10, f"状态：{LicenceStatus(lic.status).label}", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    # QR (printed: at least 35 mm, square modules) and the seal
    png = cose.render_qr_png(lic.qr_payload, scale=8)
    pdf.image(io.BytesIO(png), x=24, y=185, w=62, h=62)
    pdf.set_font("noto", size=8)
    pdf.set_xy(20, 248)
    pdf.cell(70, 5, "扫码核验（/verify/）", align="C")
    pdf.image(io.BytesIO(seal_png(lic.authority.name)), x=128, y=190, w=50, h=50)
    pdf.set_font("noto", size=11)
    pdf.set_xy(110, 242)
    pdf.cell(86, 6, f"发证机关：{lic.authority.name}", align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(86, 6, f"发证日期：{lic.issued_at:%Y年%m月%d日}", align="C")
    pdf.set_font("noto", size=8)
    pdf.set_xy(14, 262)
    pdf.multi_cell(182, 4.5, f"电子证照标识：{lic.identifier}（第 {lic.version} 版）", align="C")
    pdf.set_x(14)
    pdf.multi_cell(182, 4.5, "本电子证照与纸质证照具有同等法律效力。二维码经发证机关数字签名，可离线核验签名、联网核验当前状态。",
                   align="C")


def _table(pdf: Any, rows: list[tuple[str, str]]) -> None:
    pdf.set_font("noto", size=12)
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.3)
    for label, value in rows:
        y = pdf.get_y()
        pdf.set_xy(24, y)
        pdf.cell(40, 9, label, border="B")
        pdf.set_xy(64, y)
        pdf.multi_cell(122, 9, value or "—", border="B", new_x="LMARGIN", new_y="NEXT")


def _copy_page(pdf: Any, lic: ELicence) -> None:
    pdf.add_page()
    pdf.set_draw_color(*SEAL_RED)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)
    pdf.set_font("noto", size=22)
    pdf.set_y(24)
    pdf.cell(0, 14, f"{LicenceKind(lic.kind).label}（副本）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", size=11)
    pdf.cell(0, 7, f"{lic.holder_name} · 登记号 {lic.licence_no}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("noto", size=12)
    pdf.set_x(24)
    pdf.cell(40, 9, "日期", border="B")
    pdf.cell(122, 9, "校验及变更记录", border="B", new_x="LMARGIN", new_y="NEXT")
    lines = lic.data.get("copy_lines") or []
    for day, text in lines[-20:]:
        y = pdf.get_y()
        pdf.set_xy(24, y)
        pdf.cell(40, 8, day, border="B")
        pdf.set_xy(64, y)
        pdf.multi_cell(122, 8, text, border="B", new_x="LMARGIN", new_y="NEXT")
    if not lines:
        pdf.set_x(24)
        pdf.cell(162, 9, "（暂无记录）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(seal_png(lic.authority.name)), x=140, y=225, w=42, h=42)
    pdf.set_font("noto", size=8)
    pdf.set_xy(14, 270)
    pdf.multi_cell(182, 4.5, f"电子证照标识：{lic.identifier}", align="C")
