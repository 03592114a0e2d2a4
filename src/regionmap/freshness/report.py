"""The yearly site monitoring as files: an XLSX of its tables and an A4 PDF with charts (matplotlib), a map of the
sites per Kreis and the tables, in de/en/fr. The figures come from `monitoring.monitoring_figures`; this module only
labels, formats and draws them. The PDF is built with the exposé's document class and map furniture
(`regionmap.investor.expose`)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from regionmap import i18n
from regionmap.config import Region, region
from regionmap.data.store import Store
from regionmap.freshness.monitoring import FLOWS, NOT_STATED, REGION, MonitoringFigures, monitoring_settings
from regionmap.investor.expose.map_image import BORDER, INK, SITE_COLOUR, _north_arrow, _scale_bar, clip
from regionmap.investor.expose.pdf import MARGIN, MUTED, ROW_MM, _Document
from regionmap.investor.finder import site_vocabulary
from regionmap.spatial import METRIC_CRS
from regionmap.taxonomy import Taxonomy, taxonomy

CHART_MM = (178.0, 95.0)
MAP_MM = (178.0, 120.0)
BAR_COLOURS = {"available_start_ha": "#b0bec5", "available_end_ha": SITE_COLOUR, "added_ha": "#2e7d32",
               "removed_ha": "#c62828", "reserved_ha": "#f9a825", "sold_ha": "#6a1b9a"}
SHADES = ("#f5f7f8", "#fde7c8", "#f9c98a", "#f2a541", "#e07b00")  # no available area, then four equal steps
AVAILABLE_SITE, OTHER_SITE = INK, "#90a4ae"  # dark on every shade of the Kreise
KREIS_FLOWS = ("available_start_ha", "added_ha", "removed_ha", "resized_ha", "available_end_ha", "reserved_ha",
               "sold_ha")


@dataclass(frozen=True)
class ReportContext:
    """What the report needs besides its figures: the Kreise' polygons (the store's `kreise` layer) and the labels."""

    kreise: gpd.GeoDataFrame
    region: Region = field(default_factory=region)
    taxonomy: Taxonomy = field(default_factory=taxonomy)
    generated: dt.date = field(default_factory=dt.date.today)


def _t(key: str, lang: str, **params: object) -> str:
    return i18n.t(f"monitoring.{key}", lang, **params)


def report_filename(year: int, lang: str, suffix: str) -> str:
    return f"regionmap_monitoring_{int(year)}_{i18n.normalise_lang(lang)}.{suffix}"


def _kreis_label(code: str, ctx: ReportContext, lang: str) -> str:
    if code == REGION:
        return _t("region_row", lang)
    return next((k.name for k in ctx.region.kreise if k.ags == code), code)


def _category_label(code: str, ctx: ReportContext, lang: str) -> str:
    layer = ctx.taxonomy.layer("sites")
    return next((c.label(lang) for c in layer.categories if c.id == code), code)


def _planning_label(code: str, ctx: ReportContext, lang: str) -> str:
    """The planning status's label from the registry's choice labels, else the code."""
    if code == NOT_STATED:
        return _t("not_stated", lang)
    column = ctx.taxonomy.layer("sites").column("planning_status")
    return column.choice_label(code, lang) if column else code


def _layer_label(code: str, ctx: ReportContext, lang: str) -> str:
    return ctx.taxonomy.layer(code).label(lang)


def _kreise_with_share(figures: MonitoringFigures) -> pd.DataFrame:
    """The per-Kreis flows with the share of the Kreis's sites confirmed in the year (`share`)."""
    sites = figures.confirmed[figures.confirmed["layer"] == "sites"].set_index("kreis_ags")["share"]
    return figures.kreise.assign(share=figures.kreise["kreis_ags"].map(sites))


def labelled_tables(figures: MonitoringFigures, ctx: ReportContext, lang: str) -> dict[str, pd.DataFrame]:
    """The report's tables with headings and labels in `lang` and numbers as numbers, by sheet name."""
    lang = i18n.normalise_lang(lang)

    def heading(column: str) -> str:
        return _t(f"column.{column}", lang)

    kreise = _kreise_with_share(figures)
    kreise["kreis"] = [_kreis_label(k, ctx, lang) for k in kreise["kreis_ags"]]
    kreise = kreise[["kreis_ags", "kreis", *KREIS_FLOWS, "share"]]
    areas = figures.areas.copy()
    areas["kreis"] = [_kreis_label(k, ctx, lang) for k in areas["kreis_ags"]]
    areas["category"] = [_category_label(c, ctx, lang) for c in areas["category"]]
    areas["planning_status"] = [_planning_label(p, ctx, lang) for p in areas["planning_status"]]
    confirmed = figures.confirmed.copy()
    confirmed["kreis"] = [_kreis_label(k, ctx, lang) for k in confirmed["kreis_ags"]]
    confirmed["layer"] = [_layer_label(code, ctx, lang) for code in confirmed["layer"]]
    about = pd.DataFrame({"key": [heading("year"), _t("data_date", lang, date="").strip(" :"),
                                  _t("generated", lang, date="").strip()],
                          "value": [str(figures.year), figures.data_date.isoformat(), ctx.generated.isoformat()]})
    about.loc[len(about)] = ["", _intro(figures, lang)]
    tables = {"sheet_kreise": kreise, "sheet_areas": areas, "sheet_confirmed": confirmed,
              "sheet_interest": _interest(figures), "sheet_about": about}
    return {_t(sheet, lang): table.rename(columns=heading) for sheet, table in tables.items()}


def _interest(figures: MonitoringFigures, *, by_month: bool = True) -> pd.DataFrame:
    """The interest per site (and month, or summed over the year) with the site's name, by name."""
    names = dict(zip(figures.sites["id"], figures.sites["name"]))
    interest = figures.interest
    if not by_month:
        interest = interest.groupby("site_id", as_index=False)[["shortlisted", "enquired"]].sum()
    table = interest.assign(site=[names.get(i, i) for i in interest["site_id"]])
    columns = ["site", "site_id", *(["month"] if by_month else []), "shortlisted", "enquired"]
    return table[columns].sort_values(["site", "site_id", *(["month"] if by_month else [])],
                                      kind="stable").reset_index(drop=True)


def _intro(figures: MonitoringFigures, lang: str) -> str:
    vocabulary = site_vocabulary()
    codes = monitoring_settings().classes["available"]
    available = ", ".join(vocabulary.availability_label(code, lang) for code in codes)
    return _t("intro", lang, available=available, year=figures.year, previous=figures.year - 1)


def render_xlsx(figures: MonitoringFigures, ctx: ReportContext, lang: str) -> bytes:
    """The report's tables as an XLSX workbook, one sheet per table (numbers stay numbers)."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for sheet, table in labelled_tables(figures, ctx, lang).items():
            table.to_excel(writer, sheet_name=sheet[:31], index=False)
    return out.getvalue()


def _png(fig: Figure, dpi: int = 200) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()


def _figure(size_mm: tuple[float, float], dpi: int = 200) -> Figure:
    fig = Figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _plain(texts) -> None:
    for text in texts:
        text.set_parse_math(False)


def _bars(labels: list[str], series: dict[str, list[float]], lang: str, size_mm: tuple[float, float]) -> Figure:
    """Horizontal grouped bars: one group per label, one bar per series (a FLOWS column)."""
    fig = _figure(size_mm)
    ax = fig.add_axes((0.3, 0.14, 0.67, 0.84))
    height = 0.8 / max(len(series), 1)
    for i, (column, values) in enumerate(series.items()):
        positions = [n + (i - (len(series) - 1) / 2) * height for n in range(len(labels))]
        ax.barh(positions, values, height=height, color=BAR_COLOURS[column], label=_t(f"column.{column}", lang))
    ax.set_yticks(range(len(labels)), [clip(label, 40) for label in labels], fontsize=6.5)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=6.5)
    ax.xaxis.set_major_formatter(lambda value, _: i18n.format_number(value, lang))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#eceff1", linewidth=0.6)
    ax.set_axisbelow(True)
    legend = fig.legend(loc="lower center", ncol=len(series), fontsize=6.5, frameon=False)
    _plain([*ax.get_yticklabels(), *legend.get_texts()])
    return fig


def kreise_chart(figures: MonitoringFigures, ctx: ReportContext, lang: str) -> bytes:
    """Available area per Kreis at the start and end of the year."""
    rows = figures.kreise[figures.kreise["kreis_ags"] != REGION]
    labels = [_kreis_label(k, ctx, lang) for k in rows["kreis_ags"]]
    series = {c: rows[c].tolist() for c in ("available_start_ha", "available_end_ha")}
    return _png(_bars(labels, series, lang, CHART_MM))


def flows_chart(figures: MonitoringFigures, ctx: ReportContext, lang: str) -> bytes:
    """The region's flows of the year per site type."""
    region_rows = figures.areas[figures.areas["kreis_ags"] == REGION]
    by_type = region_rows.groupby("category")[list(FLOWS)].sum().reindex(ctx.taxonomy.layer("sites").category_ids,
                                                                        fill_value=0.0)
    labels = [_category_label(c, ctx, lang) for c in by_type.index]
    series = {c: by_type[c].tolist() for c in ("added_ha", "removed_ha", "reserved_ha", "sold_ha")}
    return _png(_bars(labels, series, lang, (CHART_MM[0], CHART_MM[1] * 0.8)))


def sites_map(figures: MonitoringFigures, ctx: ReportContext, lang: str) -> bytes:
    """The Kreise shaded by their available area at the year's end, the sites as points (available ones in the
    sites' colour), with a scale bar and north arrow."""
    fig = _figure(MAP_MM)
    ax = fig.add_axes((0, 0.1, 1, 0.9))
    ax.set_axis_off()
    kreise = ctx.kreise.to_crs(METRIC_CRS)
    areas = figures.kreise.set_index("kreis_ags")["available_end_ha"]
    values = kreise["ags"].map(areas).fillna(0.0)
    top = max(float(values.max()), 0.0)
    shades = [SHADES[0] if v <= 0 or top <= 0 else SHADES[min(4, 1 + int(4 * v / top - 1e-9))] for v in values]
    kreise.plot(ax=ax, color=shades, edgecolor=BORDER, linewidth=0.8, zorder=1)
    kreise.boundary.plot(ax=ax, color="#90a4ae", linewidth=0.4, zorder=2)
    sites = figures.sites.dropna(subset=["lon", "lat"])
    points = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326").to_crs(METRIC_CRS)
    available = (sites["class"] == "available").to_numpy()
    for mask, colour, size in ((~available, OTHER_SITE, 10), (available, AVAILABLE_SITE, 18)):
        if mask.any():
            ax.scatter(points.x[mask], points.y[mask], s=size, color=colour, edgecolor="white", linewidth=0.4, zorder=5)
    minx, miny, maxx, maxy = kreise.total_bounds
    pad = 0.03 * (maxx - minx)
    extent = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    _scale_bar(ax, extent, lang)
    _north_arrow(ax)
    handles = [
        Line2D([], [], marker="o", linestyle="none", markersize=5, color=AVAILABLE_SITE, markeredgecolor="white",
               label=_t("map_legend_available", lang)),
        Line2D([], [], marker="o", linestyle="none", markersize=4, color=OTHER_SITE, markeredgecolor="white",
               label=_t("map_legend_other", lang)),
        *(Patch(facecolor=shade, edgecolor="#b0bec5",
                label=f"{_t('map_legend_area', lang)} ≤ {i18n.format_number(top * step / 4, lang, 1, trim=True)}")
          for step, shade in enumerate(SHADES[1:], start=1) if top > 0),
    ]
    legend = fig.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, 0.05), ncol=3, fontsize=6.5,
                        frameon=False)
    _plain(legend.get_texts())
    return _png(fig)


def _number(value: object, lang: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return _t("none", lang)
    return i18n.format_number(float(value), lang, decimals=1)


def _percent(value: object, lang: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return _t("none", lang)
    return _t("percent", lang, value=i18n.format_number(100 * float(value), lang))


def render_pdf(figures: MonitoringFigures, ctx: ReportContext, lang: str) -> bytes:
    """The report as A4 PDF bytes: title and data date, the definitions, two charts, the map and the tables."""
    lang = i18n.normalise_lang(lang)
    title = _t("title", lang, year=figures.year)
    region_name = ctx.region.name(lang)
    data_date = _t("data_date", lang, date=i18n.format_date(figures.data_date.isoformat(), lang))
    generated = _t("generated", lang, date=i18n.format_date(ctx.generated.isoformat(), lang))
    footer = " · ".join((ctx.region.short_names.get(lang, region_name), title, data_date))
    pdf = _Document(footer_text=footer,
                    page_label=lambda page: f"{generated} · {_t('page', lang, page=page, pages='{nb}')}")
    pdf.describe(f"{title} – {region_name}", region_name, lang, ctx.generated)
    pdf.add_page()
    pdf.paragraph(clip(region_name, 90), size=8, colour=MUTED)
    pdf.paragraph(title, size=17, style="B")
    pdf.paragraph(data_date, size=10.5, colour=MUTED)
    pdf.ln(2)
    pdf.paragraph(_intro(figures, lang), size=8.5)

    charts = ((_t("chart_kreise", lang, year=figures.year), kreise_chart(figures, ctx, lang), CHART_MM),
              (_t("chart_flows", lang, year=figures.year), flows_chart(figures, ctx, lang),
               (CHART_MM[0], CHART_MM[1] * 0.8)))
    for caption, image, size in charts:
        pdf.heading(caption, keep_with=size[1])
        pdf.image(image, x=MARGIN, w=size[0], h=size[1], alt_text=_t("chart_alt", lang, title=caption))

    pdf.heading(_t("map_heading", lang, year=figures.year), keep_with=MAP_MM[1])
    pdf.image(sites_map(figures, ctx, lang), x=MARGIN, w=MAP_MM[0], h=MAP_MM[1], alt_text=_t("map_alt", lang))

    kreise = _kreise_with_share(figures)
    balance = ("available_start_ha", "added_ha", "removed_ha", "resized_ha", "available_end_ha")
    activity = ("reserved_ha", "sold_ha")
    sections = ((_t("kreise_heading", lang), balance), (_t("activity_heading", lang, year=figures.year), activity))
    for caption, columns in sections:
        shares = columns == activity
        rows = [[_kreis_label(r["kreis_ags"], ctx, lang), *(_number(r[c], lang) for c in columns),
                 *([_percent(r["share"], lang)] if shares else [])] for _, r in kreise.iterrows()]
        header = [_t(f"column.{c}", lang) for c in ("kreis", *columns)] + ([_t("column.share", lang)] if shares
                                                                           else [])
        pdf.heading(caption, keep_with=ROW_MM * 4)
        pdf.table_rows(rows, widths=(2, *([1] * (len(header) - 1))), header=header, align_last_right=True)

    areas = figures.areas[figures.areas["kreis_ags"] == REGION]
    columns = ("available_start_ha", "available_end_ha", "added_ha", "reserved_ha", "sold_ha")
    rows = [[_category_label(r["category"], ctx, lang), _planning_label(r["planning_status"], ctx, lang),
             *(_number(r[c], lang) for c in columns)] for _, r in areas.iterrows()]
    pdf.heading(_t("areas_heading", lang), keep_with=ROW_MM * 3)
    pdf.table_rows(rows, widths=(1.6, 1.6, *([1] * len(columns))),
                   header=[_t(f"column.{c}", lang) for c in ("category", "planning_status", *columns)],
                   align_last_right=True)

    confirmed = figures.confirmed[figures.confirmed["kreis_ags"] == REGION]
    rows = [[_layer_label(r["layer"], ctx, lang), i18n.format_number(r["records"], lang),
             i18n.format_number(r["confirmed"], lang), _percent(r["share"], lang)] for _, r in confirmed.iterrows()]
    pdf.heading(_t("confirmed_heading", lang, year=figures.year), keep_with=ROW_MM * (len(rows) + 2))
    pdf.paragraph(_t("confirmed_note", lang, year=figures.year), size=8, colour=MUTED)
    pdf.ln(1)
    pdf.table_rows(rows, widths=(2.4, 1, 1, 1), header=[_t(f"column.{c}", lang) for c in
                                                         ("layer", "records", "confirmed", "share")],
                   align_last_right=True)

    interest = _interest(figures, by_month=False)
    rows = [[clip(str(r["site"]), 60), i18n.format_number(r["shortlisted"], lang),
             i18n.format_number(r["enquired"], lang)] for _, r in interest.iterrows()]
    pdf.heading(_t("interest_heading", lang, year=figures.year), keep_with=ROW_MM * (min(len(rows), 5) + 2))
    pdf.paragraph(_t("interest_note" if rows else "interest_none", lang, year=figures.year), size=8, colour=MUTED)
    if rows:
        pdf.ln(1)
        pdf.table_rows(rows, widths=(3.4, 1, 1), header=[_t(f"column.{c}", lang) for c in
                                                          ("site", "shortlisted", "enquired")], align_last_right=True)
    return bytes(pdf.output())


def monitoring_report(store: Store, year: int, lang: str) -> dict[str, bytes]:
    """The yearly monitoring of `store` for `year` in `lang`: file name -> bytes of the XLSX and the PDF, every figure
    from the editing history over the official build (`monitoring_figures`)."""
    from regionmap.freshness.monitoring import monitoring_figures
    from regionmap.freshness.stock import all_records
    from regionmap.leads.repository import Leads

    edits = store.edits()
    figures = monitoring_figures(all_records(edits), edits.history(None), year,
                                 built_at=str(store.manifest().get("built_at", "")))
    figures = replace(figures, interest=Leads(edits).interest(None, year))
    context = ReportContext(kreise=store.read_layer("kreise"))
    return {report_filename(year, lang, suffix): render(figures, context, lang)
            for suffix, render in (("xlsx", render_xlsx), ("pdf", render_pdf))}
