"""The shortlist's combined PDF: a cover page (title, date, the sites with their first page, the shortlist's link and
its QR code) followed by every site's exposé (`render_expose`), merged with pypdf, in one language."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import pandas as pd
from fpdf.enums import Align, XPos, YPos
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from regionmap import i18n
from regionmap.investor.expose.map_image import clip
from regionmap.investor.expose.pdf import (
    ACCENT, FOOTER_NAME_CHARS, MARGIN, MUTED, TITLE_CHARS, ExposeContext, _Document, _text, render_expose,
)
from regionmap.presenter.qr import qr_png

QR_MM = 45.0
QR_SCALE = 10


def shortlist_filename(lang: str, generated: dt.date) -> str:
    """The download name of the combined PDF in `lang`, e.g. `merkliste-2026-12-02.pdf`."""
    lang = i18n.normalise_lang(lang)
    return f"{i18n.t('investor.shortlist.file_stem', lang)}-{generated.isoformat()}.pdf"


def _cover(sites: Sequence[pd.Series], first_pages: Sequence[int], context: ExposeContext, lang: str,
           link: str | None) -> bytes:
    def t(key: str, **params: object) -> str:
        return i18n.t(f"investor.shortlist.{key}", lang, **params)

    region_name = context.region.name(lang)
    generated = i18n.t("investor.expose.generated", lang, date=i18n.format_date(context.generated.isoformat(), lang))
    pdf = _Document(footer_text=clip(context.region.short_names.get(lang, region_name), FOOTER_NAME_CHARS),
                    page_label=lambda page: generated)
    pdf.describe(f"{t('title')} – {region_name}", region_name, lang, context.generated)
    pdf.add_page()
    pdf.paragraph(clip(region_name, 90), size=9, colour=MUTED)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, pdf.get_y() + 1, pdf.w - MARGIN, pdf.get_y() + 1)
    pdf.set_line_width(0.2)
    pdf.ln(5)
    pdf.paragraph(t("title"), size=20, style="B")
    pdf.paragraph(generated, size=10, colour=MUTED)
    pdf.paragraph(i18n.tn("investor.shortlist.count", len(sites), lang), size=10, colour=MUTED)
    pdf.heading(t("contents"))
    rows = []
    for number, (site, page) in enumerate(zip(sites, first_pages), start=1):
        place = ", ".join(v for v in (_text(site.get("municipality")), _text(site.get("kreis"))) if v)
        rows.append((i18n.format_number(number, lang), clip(_text(site.get("name")) or _text(site.get("id")),
                                                             TITLE_CHARS), place, i18n.format_number(page, lang)))
    pdf.table_rows(rows, widths=(0.3, 2.4, 1.8, 0.5), header=("", t("site"), t("place"), t("page")),
                   align_last_right=True)
    pdf.heading(t("link_heading"), keep_with=QR_MM + 12)
    if link is None:
        pdf.paragraph(t("no_public_url"))
    else:
        pdf.paragraph(t("link_text"))
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.multi_cell(0, 4.5, link, align=Align.L, link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        pdf.image(io.BytesIO(qr_png(link, scale=QR_SCALE)), x=MARGIN, w=QR_MM, h=QR_MM, alt_text=t("qr_alt"))
    return bytes(pdf.output())


def _page_count(document: bytes) -> int:
    return len(PdfReader(io.BytesIO(document)).pages)


def render_shortlist(sites: Sequence[pd.Series], context: ExposeContext, lang: str, link: str | None,
                     crs: object = "EPSG:4326") -> bytes:
    """The combined PDF of the shortlisted `sites` (rows of the store's `sites` layer, in the list's order): the
    cover, then each exposé, with a bookmark per site. `link` is the shortlist's public link (None: the cover says
    that there is none)."""
    if not sites:
        raise ValueError("a shortlist PDF needs at least one site")
    lang = i18n.normalise_lang(lang)
    exposes = [render_expose(site, context, lang, crs) for site in sites]
    lengths = [_page_count(document) for document in exposes]
    cover_pages = 1
    while True:  # the sites' first pages depend on the cover's length
        first_pages = [cover_pages + 1 + sum(lengths[:i]) for i in range(len(sites))]
        cover = _cover(sites, first_pages, context, lang, link)
        if _page_count(cover) == cover_pages:
            break
        cover_pages = _page_count(cover)
    writer = PdfWriter()
    writer.append(io.BytesIO(cover), outline_item=i18n.t("investor.shortlist.title", lang))
    for site, document in zip(sites, exposes):
        writer.append(io.BytesIO(document), outline_item=clip(_text(site.get("name")) or _text(site.get("id")), 120))
    writer.add_metadata({"/Title": f"{i18n.t('investor.shortlist.title', lang)} – {context.region.name(lang)}",
                         "/Author": context.region.name(lang)})
    writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
