"""The site exposé: an A4 PDF (fpdf2) with the location map, key data, planning and prices, contact, location
factors, municipality profile, sources and licences, in de/en/fr. Built offline; text is placed as plain text, never interpreted as markup.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import pandas as pd
from fpdf import FPDF, FontFace, ViewerPreferences
from fpdf.enums import Align, TableBordersLayout, WrapMode, XPos, YPos

from regionmap import i18n
from regionmap.config import Region, region
from regionmap.investor.expose.map_image import MAP_FACTORS, SITE_COLOUR, clip, render_site_map
from regionmap.investor.factors import STRAIGHT_LINE, LocationFactor, location_factors, nearest_features
from regionmap.investor.finder import SiteVocabulary, site_vocabulary
from regionmap.data.source_registry import Registry
from regionmap.dashboard.details import (
    CONTACT_FIELDS, SITE_FACTS, confirmation_text, fact_fields, indicative_basis, is_indicative,
    record_fields,
)
from regionmap.data.record_texts import localized
from regionmap.spatial import METRIC_CRS
from regionmap.taxonomy import Taxonomy, taxonomy

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
MARGIN = 16.0
MAP_SIZE_MM = (178.0, 110.0)
TITLE_CHARS = 120
FIELD_CHARS = 600
FOOTER_NAME_CHARS = 60
ROW_MM = 7.5  # height of a one-line table row, to keep short tables on one page
INK = (38, 50, 56)
MUTED = (96, 112, 122)
RULE = (207, 216, 220)
ACCENT = tuple(int(SITE_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
NOTICE_FILL = (255, 244, 224)
LABEL_FILL = (245, 247, 248)
MISSING_TEXT = "—"  # a fact the site does not state


@dataclass(frozen=True)
class ExposeContext:
    """What an exposé needs besides the site row: the store's layers and the texts that are not in the row.

    `gemeinden` is the store's municipality layer, `layers` the thematic layers by id (for the nearest features on
    the map), `attributions` the licence attributions of the sources (see `source_attributions`); the project's
    curated-data note is added by the exposé itself.
    """

    gemeinden: gpd.GeoDataFrame
    layers: Mapping[str, gpd.GeoDataFrame]
    attributions: Sequence[str]
    region: Region = field(default_factory=region)
    factors: tuple[LocationFactor, ...] = field(default_factory=location_factors)
    taxonomy: Taxonomy = field(default_factory=taxonomy)
    vocabulary: SiteVocabulary = field(default_factory=site_vocabulary)
    generated: dt.date = field(default_factory=dt.date.today)
    population_as_of: str | None = None  # the population's reference date (the manifest's municipality source)


def source_attributions(registry: Registry) -> list[str]:
    """One line per source of the registry: its attribution and licence."""
    return [f"{s.attribution} – {s.title}. {s.licence} ({s.licence_url})" for s in registry.sources]


def expose_filename(site: pd.Series, lang: str) -> str:
    """A safe download file name for the exposé of a site."""
    stem = re.sub(r"[^a-z0-9_-]+", "-", str(site.get("id") or "site").lower()).strip("-")[:80] or "site"
    return f"expose-{stem}-{i18n.normalise_lang(lang)}.pdf"


def _text(value: object) -> str:
    """A cell value as one line of plain text ('' for missing values), whitespace and control characters collapsed."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())


class _Document(FPDF):
    """A4 portrait with the exposé's footer on every page."""

    def __init__(self, footer_text: str, page_label: Callable[[int], str]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.page_label = page_label
        self.set_margins(MARGIN, 14.0, MARGIN)
        self.set_auto_page_break(True, margin=18.0)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_text_color(*INK)

    def describe(self, title: str, author: str, lang: str, created: dt.date) -> None:
        """The document's title (shown by viewers instead of the file name, as PDF/UA asks), author, language and
        date of creation."""
        self.set_title(clip(title, 200))
        self.set_author(author)
        self.set_lang(lang)
        self.set_creation_date(dt.datetime.combine(created, dt.time(), tzinfo=dt.timezone.utc))
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y() - 1.5, self.w - MARGIN, self.get_y() - 1.5)
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        right = self.page_label(self.page_no())
        right_width = self.get_string_width(right.replace("{nb}", "99")) + 2
        left = self.footer_text
        while left and self.get_string_width(left) > self.epw - right_width - 4:
            left = left[:-2] + "…"
        self.cell(self.epw - right_width, 4, left, align=Align.L)
        self.cell(right_width, 4, right, align=Align.R)
        self.set_text_color(*INK)

    def heading(self, text: str, keep_with: float = 12.0) -> None:
        """A section heading, on a new page when it and the first `keep_with` mm of its content would not fit."""
        if self.will_page_break(10 + keep_with):
            self.add_page()
        self.ln(3)
        self.start_section(clip(text, 120))  # a bookmark: the outline lets a reader jump to each section
        self.set_font(FONT, "B", 11.5)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, 6, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def paragraph(self, text: str, size: float = 9, style: str = "", colour: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def table_rows(self, rows: Sequence[Sequence[str]], widths: Sequence[float], header: Sequence[str] | None = None,
                   align_last_right: bool = False, label_columns: Sequence[int] = (0,)) -> None:
        """A table with light rules; the `label_columns` (the first) as labels unless a header is given."""
        self.set_font(FONT, "", 9)
        self.set_draw_color(*RULE)
        heading_style = FontFace(family=FONT, emphasis="BOLD", color=INK, fill_color=LABEL_FILL)
        with self.table(
            col_widths=widths, width=self.epw, first_row_as_headings=header is not None, headings_style=heading_style,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES, text_align="LEFT", line_height=5,
            padding=(1.2, 1.5), wrapmode=WrapMode.WORD,
        ) as table:
            label_style = FontFace(family=FONT, color=MUTED)
            for values in ([header] if header else []) + [list(r) for r in rows]:
                row = table.row()
                for i, value in enumerate(values):
                    right = align_last_right and i == len(values) - 1
                    style = label_style if header is None and i in label_columns else None
                    row.cell(clip(value, FIELD_CHARS), style=style, align="RIGHT" if right else None)
        self.ln(1)


def _category_label(tax: Taxonomy, category: object, lang: str) -> str:
    layer = tax.layer("sites")
    return next((c.label(lang) for c in layer.categories if c.id == category), _text(category))


def _sector_labels(tax: Taxonomy, sectors: object, lang: str) -> str:
    labels = {s.id: s.label(lang) for s in tax.sectors}
    ids = [s.strip() for s in _text(sectors).split(",") if s.strip()]
    return ", ".join(labels.get(i, i) for i in ids)


def _code_label(label: Callable[[object, str], str], code: object, lang: str) -> str:
    return label(_text(code), lang) if _text(code) else ""


def _area(site: pd.Series, lang: str) -> str:
    area = pd.to_numeric(pd.Series([site.get("area_ha")]), errors="coerce").iloc[0]
    return "" if pd.isna(area) else i18n.format_quantity(area, "ha", lang, decimals=1)


def _key_rows(site: pd.Series, ctx: ExposeContext, lang: str) -> list[tuple[str, str]]:
    def t(key: str) -> str:
        return i18n.t(f"investor.expose.{key}", lang)

    rows = [
        (t("type"), _category_label(ctx.taxonomy, site.get("category"), lang)),
        (t("area"), _area(site, lang)),
        (t("size_class"), _code_label(ctx.vocabulary.size_class_label, site.get("size_class"), lang)),
        (t("availability"), _code_label(ctx.vocabulary.availability_label, site.get("availability"), lang)),
        (t("sectors"), _sector_labels(ctx.taxonomy, site.get("sectors"), lang)),
        (t("address"), _text(site.get("address"))),
        (t("municipality"), _text(site.get("municipality"))),
        (t("kreis"), _text(site.get("kreis"))),
        (t("website"), _text(site.get("website"))),
        (t("site_id"), _text(site.get("id"))),
    ]
    return [(label, value) for label, value in rows if value]


def _fact_rows(site: pd.Series, ctx: ExposeContext, lang: str, columns: Sequence[str]) -> list[tuple[str, ...]]:
    """A block of facts two to a row (label, value, label, value), "—" where not stated; no rows when the site
    states none of them."""
    if not record_fields(site, "sites", ctx.taxonomy, lang, columns):
        return []
    fields = fact_fields(site, "sites", ctx.taxonomy, lang, columns, missing=MISSING_TEXT)
    pairs = [(clip(f.label, TITLE_CHARS), _text(f.value)) for f in fields]
    if len(pairs) % 2:
        pairs.append(("", ""))
    return [(*pairs[i], *pairs[i + 1]) for i in range(0, len(pairs), 2)]


def _factor_rows(site: pd.Series, ctx: ExposeContext, lang: str) -> list[tuple[str, str, str]]:
    rows = []
    for factor in ctx.factors:
        distance = i18n.format_quantity(site.get(factor.value_column), "km", lang, decimals=1)  # NaN: "unknown"
        rows.append((factor.label(lang), _text(site.get(factor.name_column)) or "–", distance))
    return rows


def _profile_rows(municipality: pd.Series, ctx: ExposeContext, lang: str) -> list[tuple[str, str]]:
    def t(key: str) -> str:
        return i18n.t(f"investor.expose.{key}", lang)

    rows = [
        (t("kind_of_municipality"), i18n.label_for("kind", _text(municipality.get("kind")), lang)),
        (t("kreis"), _text(municipality.get("kreis_name"))),
        (i18n.t("figures_reference.population", lang, date=i18n.format_date(ctx.population_as_of, lang))
         if ctx.population_as_of else t("population"), i18n.format_number(municipality.get("population"), lang)),
        (t("area_km2"), i18n.format_km2(municipality.get("area_km2"), lang)),
        (t("density"), i18n.format_density(municipality.get("density"), lang)),
    ]
    for layer in ctx.taxonomy.layers:
        column = f"n_{layer.id}"
        if layer.expose and column in municipality.index:
            rows.append((layer.label(lang), i18n.format_number(municipality.get(column), lang)))
    return [(label, value) for label, value in rows if value]


def _site_point(site: pd.Series, crs: object) -> gpd.GeoSeries:
    geometry = site.get("geometry")
    if geometry is None or geometry.is_empty:
        raise ValueError(f"site '{_text(site.get('id'))}': no location to draw the exposé map")
    return gpd.GeoSeries([geometry], crs=crs).to_crs(METRIC_CRS)


def render_expose(site: pd.Series, context: ExposeContext, lang: str, crs: object = "EPSG:4326") -> bytes:
    """The exposé of one site (a row of the store's `sites` layer, geometry in `crs`) as A4 PDF bytes."""
    lang = i18n.normalise_lang(lang)

    def t(key: str, **params: object) -> str:
        return i18n.t(f"investor.expose.{key}", lang, **params)

    name = _text(site.get("name")) or _text(site.get("id"))
    region_name = context.region.name(lang)
    generated = t("generated", date=i18n.format_date(context.generated.isoformat(), lang))
    footer = " · ".join((context.region.short_names.get(lang, region_name), clip(name, FOOTER_NAME_CHARS)))
    pdf = _Document(footer_text=footer, page_label=lambda page: f"{generated} · {t('page', page=page, pages='{nb}')}")
    pdf.describe(f"{i18n.t('detail.label', lang, label=t('kind'))} {name}", region_name, lang, context.generated)
    pdf.add_page()

    # Header: region and document kind, rule, site name, type and place.
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(pdf.epw * 0.7, 4, clip(region_name, 90), align=Align.L)
    pdf.cell(pdf.epw * 0.3, 4, t("kind"), align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, pdf.get_y() + 1, pdf.w - MARGIN, pdf.get_y() + 1)
    pdf.set_line_width(0.2)
    pdf.ln(4)
    pdf.paragraph(clip(name, TITLE_CHARS), size=17, style="B")
    place = ", ".join(v for v in (_text(site.get("municipality")), _text(site.get("kreis"))) if v)
    subtitle = " · ".join(v for v in (_category_label(context.taxonomy, site.get("category"), lang), place) if v)
    pdf.ln(0.5)
    pdf.paragraph(subtitle, size=10.5, colour=MUTED)
    confirmed = confirmation_text(site, lang)
    if confirmed:
        pdf.paragraph(clip(_text(confirmed), FIELD_CHARS), size=8.5, colour=MUTED)
    pdf.ln(2)

    if is_indicative(site):
        _notice(pdf, site, lang)

    # Location map.
    point = _site_point(site, crs)
    targets = nearest_features(site, context.layers, context.factors, context.taxonomy, lang, MAP_FACTORS)
    image = render_site_map(site, point.iloc[0], context.gemeinden, targets, lang, size_mm=MAP_SIZE_MM)
    nearest = "; ".join(f"{target.category_label}: {target.name} ({i18n.format_quantity(target.km, 'km', lang, decimals=1)})"
                        for target in targets)
    pdf.image(image, x=MARGIN, w=MAP_SIZE_MM[0], h=MAP_SIZE_MM[1],
              alt_text=t("map_alt", name=name, place=place or "–", nearest=nearest or "–"))
    pdf.ln(1)
    metric = i18n.t(f"investor.metric.{STRAIGHT_LINE.id}", lang)
    pdf.paragraph(t("map_caption", metric=metric), size=7, colour=MUTED)

    key_rows = _key_rows(site, context, lang)
    pdf.heading(t("key_data"), keep_with=ROW_MM * len(key_rows))
    pdf.table_rows(key_rows, widths=(1, 2.6))

    for heading, columns in (("planning_prices", SITE_FACTS), ("contact", CONTACT_FIELDS)):
        rows = _fact_rows(site, context, lang, columns)
        if rows:
            pdf.heading(t(heading), keep_with=ROW_MM * len(rows))
            pdf.table_rows(rows, widths=(1, 1.3, 1, 1.3), label_columns=(0, 2))

    factor_rows = _factor_rows(site, context, lang)
    pdf.heading(t("location_factors"), keep_with=ROW_MM * (len(factor_rows) + 1))
    pdf.table_rows(factor_rows, widths=(1.2, 1.7, 1.1),
                   header=(t("factor"), t("nearest"), t("distance", metric=metric)), align_last_right=True)

    description = _text(site.get(f"description_{lang}")) or _text(site.get("description_de"))
    if description:
        pdf.heading(t("description"))
        pdf.paragraph(clip(description, FIELD_CHARS * 3))

    matches = context.gemeinden[context.gemeinden["ags"] == site.get("ags")]
    municipality = matches.iloc[0] if not matches.empty else None
    if municipality is not None:
        profile_rows = _profile_rows(municipality, context, lang)
        pdf.heading(t("profile", name=clip(_text(municipality.get("name")), 80)), keep_with=ROW_MM * len(profile_rows))
        pdf.table_rows(profile_rows, widths=(1, 2.6))

    pdf.heading(t("sources"))
    as_of = i18n.format_date(_text(site.get("as_of")) or None, lang)
    source = _text(localized(site, "source", lang)) or "–"
    pdf.paragraph(clip(t("record_source", source=source, as_of=as_of), FIELD_CHARS))
    pdf.ln(1)
    organisation = _text(site.get("confirmed_by"))
    note = t("partner_note", organisation=clip(organisation, 120)) if organisation else t("curated_note")
    for line in [*context.attributions, note]:
        pdf.paragraph("• " + clip(_text(line), FIELD_CHARS), size=7.5)
    pdf.ln(1.5)
    pdf.paragraph(t("disclaimer"), size=7.5, style="I", colour=MUTED)
    pdf.paragraph(generated, size=7.5, colour=MUTED)
    return bytes(pdf.output())


def _notice(pdf: _Document, site: pd.Series, lang: str) -> None:
    """The indicative-values notice: a tinted box with a bold heading, the notice and the record's basis."""
    text = i18n.t("sites.indicative_notice", lang)
    basis = _text(indicative_basis(site, lang))
    if basis:
        text += "\n" + clip(basis, FIELD_CHARS)
    with pdf.local_context(fill_color=NOTICE_FILL, draw_color=ACCENT, line_width=0.4):
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(0, 5.5, i18n.t("investor.expose.indicative_heading", lang), border="LTR", fill=True,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, padding=(1.5, 2.5, 0, 2.5))
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(0, 4.2, text, border="LBR", fill=True, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       padding=(0.5, 2.5, 2, 2.5))
    pdf.ln(3)
