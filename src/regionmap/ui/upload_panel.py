"""The sidebar's "Eigene Daten": upload a file, confirm where its records are, and keep it for the session.

The placed upload lives in `st.session_state` only (`SessionUpload`), so it stays across page switches and no other
session sees it; Streamlit holds the uploaded bytes in memory and the library reads them through a temporary folder
that it removes. What is costly to derive (the map layers per style and language, the join with the municipalities)
is kept beside it, so reruns only rebuild the cheap folium elements.
"""

from __future__ import annotations

import math
from pathlib import Path
from dataclasses import dataclass, field

import geopandas as gpd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

from regionmap.data.store import StoreData
from regionmap.i18n import format_number, t, tn
from regionmap.data.exports import download_name
from regionmap.uploads.analysis import export_frame, joined_table
from regionmap.uploads.geometry import CoordinateChoice
from regionmap.uploads.layer import UploadLayers, UploadMap, upload_layers, upload_map
from regionmap.uploads.problems import UploadError, UploadProblem
from regionmap.uploads.settings import settings as upload_settings
from regionmap.uploads.style import style_by
from regionmap.uploads.upload import Inspection, Upload, inspect_upload, load_upload, postcode_lookup
from regionmap.ui.downloads import frame_download
from regionmap.ui.text import plain

_SESSION = "upload"
_INSPECTED = "upload_inspection"
_FILE = "upload_file"
_STYLE = "upload_style"
KINDS = ("lonlat", "xy", "postcode")
OTHER_EPSG = 0  # the CRS choice "other EPSG code"
DOWNLOADS = {"csv": "CSV", "xlsx": "Excel", "geojson": "GeoJSON"}


@dataclass
class SessionUpload:
    """The session's placed upload and what was derived from it."""

    file_id: str
    upload: Upload
    _maps: dict[tuple[str | None, str], tuple[UploadMap, UploadLayers]] = field(default_factory=dict)
    _joined: gpd.GeoDataFrame | None = None

    def shown(self, style: str | None, lang: str) -> tuple[UploadMap, UploadLayers]:
        """The display frame and map layers, coloured by the column `style` (None: one colour)."""
        key = (style, lang)
        if key not in self._maps:
            settings = upload_settings()
            styled = style_by(self.upload.frame, style, settings.style, lang) if style else None
            shown = upload_map(self.upload, styled, settings, lang)
            self._maps = {key: (shown, upload_layers(shown, lang))}  # one style at a time: 100,000 points weigh
        return self._maps[key]

    def joined(self, gemeinden: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Each record with its AGS, municipality and Kreis (computed once)."""
        if self._joined is None:
            self._joined = joined_table(self.upload, gemeinden)
        return self._joined


def current() -> SessionUpload | None:
    """The session's placed upload, if any."""
    return st.session_state.get(_SESSION)


def style_column() -> str | None:
    """The column the user colours the upload by (None: one colour)."""
    return st.session_state.get(_STYLE) or None


def current_layers(lang: str) -> tuple[UploadMap, UploadLayers] | None:
    """The upload's display frame and layers as the map shows them now."""
    session = current()
    return session.shown(style_column(), lang) if session is not None else None


def panel(container: DeltaGenerator, store: StoreData, lang: str) -> None:
    """The sidebar section in `container`: file input, placement choices, the placed layer's summary, style and
    removal."""
    session = current()
    with container.expander(t("upload.panel.title", lang), icon=":material/upload_file:", expanded=session is None):
        settings = upload_settings()
        # No `type` filter and a browser limit above the configured one: the library names what is wrong, in the
        # session's language (only files far over the limit are refused by the browser).
        uploaded = st.file_uploader(t("upload.panel.file", lang), key=_FILE, help=t("upload.panel.help", lang),
                                    max_upload_size=math.ceil(settings.max_bytes / 2**20) + 1)
        if uploaded is not None:
            _placement(uploaded, store, lang, session)
        session = current()
        if session is not None:
            _summary(session, store, lang)


def _problems(problems: tuple[UploadProblem, ...], lang: str, fatal: bool = False) -> None:
    if fatal:
        for item in problems:
            st.error(plain(item.text(lang)), icon=":material/error:")
        return
    if problems:
        with st.popover(tn("upload.panel.problems", len(problems), lang), width="stretch"):
            for item in problems:
                st.markdown(f"- {plain(item.text(lang))}")


def _inspect(uploaded: UploadedFile, layer: str | None) -> Inspection | UploadError:
    """The file's inspection, once per file and layer (reruns do not read it again)."""
    key = (uploaded.file_id, layer)
    cached = st.session_state.get(_INSPECTED)
    if cached is None or cached[0] != key:
        try:
            result: Inspection | UploadError = inspect_upload(uploaded.name, uploaded.getvalue(), layer)
        except UploadError as exc:
            result = exc
        st.session_state[_INSPECTED] = (key, result)
        cached = st.session_state[_INSPECTED]
    return cached[1]


def _placement(uploaded: UploadedFile, store: StoreData, lang: str, session: SessionUpload | None) -> None:
    """Inspect the file, offer the layer and placement choices, and place it (at once when nothing is unclear)."""
    file_id = uploaded.file_id
    inspection = _inspect(uploaded, st.session_state.get(f"upload_layer_{file_id}"))
    if isinstance(inspection, UploadError):
        _problems(inspection.problems, lang, fatal=True)
        return
    st.caption(plain(tn("upload.panel.summary", inspection.rows, lang,
                        format=t(f"upload.format.{inspection.format}", lang))))
    if len(inspection.layers) > 1:
        st.selectbox(t("upload.panel.layer", lang), inspection.layers, key=f"upload_layer_{file_id}",
                     index=inspection.layers.index(inspection.layer) if inspection.layer in inspection.layers else 0)
    if inspection.needs_choice:  # nothing is placed until the user says where the records are, and why
        st.info(t("upload.panel.choose_hint", lang), icon=":material/pin_drop:")
        for item in inspection.problems:
            st.warning(plain(item.text(lang)))
    choice = _choice(inspection, file_id, lang)
    pressed = st.button(t("upload.panel.show", lang), key=f"upload_show_{file_id}", type="primary", width="stretch",
                        disabled=choice is None)
    automatic = session is None or session.file_id != file_id
    if choice is not None and (pressed or (automatic and not inspection.needs_choice)):
        _place(uploaded, choice, inspection.layer, store, lang)


def _choice(inspection: Inspection, file_id: str, lang: str) -> CoordinateChoice | None:
    """Where the records are: the file's geometries in a CRS, or two coordinate columns, or a postcode column; the
    widgets start from the inspection's suggestion."""
    suggestion = inspection.suggestion
    if suggestion is not None and suggestion.kind == "geometry":
        epsg = _crs_input(file_id, suggestion.epsg, lang, from_file=inspection.crs_from_file)
        return CoordinateChoice("geometry", epsg=epsg)
    columns = list(inspection.columns)
    if not columns:
        return None
    kind = st.radio(t("upload.panel.placement", lang), KINDS, key=f"upload_kind_{file_id}",
                    index=KINDS.index(suggestion.kind) if suggestion is not None else 0,
                    format_func=lambda k: t(f"upload.panel.kind_{k}", lang))
    suggested = suggestion if suggestion is not None and suggestion.kind == kind else None

    def column(role: str, default: str | None, position: int) -> str:
        index = columns.index(default) if default in columns else min(position, len(columns) - 1)
        return st.selectbox(t(f"upload.panel.{role}_{kind}", lang), columns, index=index,
                            key=f"upload_{role}_{kind}_{file_id}")

    first = column("first", suggested.first if suggested else None, 0)
    if kind == "postcode":
        return CoordinateChoice("postcode", first)
    second = column("second", suggested.second if suggested else None, 1)
    epsg = 4326 if kind == "lonlat" else _crs_input(file_id, suggested.epsg if suggested else None, lang)
    return CoordinateChoice(kind, first, second, epsg)


def _crs_input(file_id: str, suggested: int | None, lang: str, from_file: bool = False) -> int | None:
    """The CRS: from the file (or told from the values, None), one of the region's projected CRSs, or any EPSG code."""
    settings = upload_settings()
    options: list[int | None] = [None, 4326, *(p.epsg for p in settings.projected), OTHER_EPSG]
    labels = {4326: "WGS84 (EPSG:4326)", **{p.epsg: f"{p.label} (EPSG:{p.epsg})" for p in settings.projected}}
    default = suggested if suggested in options and not from_file else None
    chosen = st.selectbox(
        t("upload.panel.crs", lang), options, index=options.index(default), key=f"upload_crs_{file_id}",
        format_func=lambda e: t("upload.panel.crs_file" if from_file else "upload.panel.crs_auto", lang) if e is None
        else t("upload.panel.crs_other", lang) if e == OTHER_EPSG else labels[e])
    if chosen != OTHER_EPSG:
        return chosen
    code = st.number_input(t("upload.panel.epsg", lang), min_value=1024, max_value=999_999, step=1,
                           value=suggested or 4326, key=f"upload_epsg_{file_id}")
    return int(code)


def _place(uploaded: UploadedFile, choice: CoordinateChoice, layer: str | None, store: StoreData, lang: str) -> None:
    """Place the file on the map as the session's upload; a fatal problem is shown and the previous upload kept."""
    postcodes = postcode_lookup(store["postcodes"]) if choice.kind == "postcode" else None
    try:
        with st.spinner(t("upload.panel.show", lang)):
            upload = load_upload(uploaded.name, uploaded.getvalue(), choice, layer=layer, postcodes=postcodes)
    except UploadError as exc:
        _problems(exc.problems, lang, fatal=True)
        return
    st.session_state[_SESSION] = SessionUpload(uploaded.file_id, upload)
    st.session_state.pop(_STYLE, None)


def _summary(session: SessionUpload, store: StoreData, lang: str) -> None:
    """The placed layer: its count, approximate positions, geometry families, problems, style column and removal."""
    upload = session.upload
    st.success(plain(tn("upload.panel.loaded", len(upload.frame), lang, name=upload.name)),
               icon=":material/check_circle:")
    if upload.approximate:
        st.caption(tn("upload.panel.approximate", upload.approximate, lang))
    families = upload.families
    if sum(1 for n in families.values() if n) > 1:
        st.caption(t("upload.panel.families", lang, points=format_number(families.get("point", 0), lang),
                     lines=format_number(families.get("line", 0), lang),
                     polygons=format_number(families.get("polygon", 0), lang)))
    _problems(upload.problems, lang)
    options = [None, *upload.columns]
    if st.session_state.get(_STYLE) not in options:
        st.session_state.pop(_STYLE, None)
    st.selectbox(t("upload.panel.style", lang), options, key=_STYLE,
                 format_func=lambda c: t("upload.panel.style_none", lang) if c is None else str(c))
    st.caption(t("upload.panel.private", lang))
    st.caption(t("upload.panel.download", lang))
    stem = Path(upload.name).stem
    for ext, label in DOWNLOADS.items():
        frame_download(st, label, lambda: export_frame(upload, session.joined(store.gemeinden)), ext, lang,
                       download_name("upload", ext, extra=[stem, "joined"]), f"upload_download_{ext}")
    if st.button(t("upload.panel.remove", lang), key="upload_remove", icon=":material/delete:", width="stretch"):
        for key in (_SESSION, _STYLE, _INSPECTED, _FILE):
            st.session_state.pop(key, None)
        st.rerun()
