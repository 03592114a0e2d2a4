"""BKG boundary readers: both layouts, file formats, CRSs, AGS handling, duplicates, kinds, missing columns."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from pipeline_support import HOSTILE, SAMPLE_TOWNS

from regionmap.errors import SourceError
from regionmap.data.sources.bkg import load_layout, read_gemeinde_status, read_municipalities, read_states


def write(frame: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(path, engine="pyogrio", **kwargs)
    return path


def zip_shapefile(shp: Path, archive: Path, folder: str = "vg250_ebenen/") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.glob(f"{shp.stem}.*"):
            zf.write(part, folder + part.name)
    return archive


def check_sample(frame: gpd.GeoDataFrame, sample: gpd.GeoDataFrame) -> None:
    """The normalised frame matches the lower-case sample it was made from."""
    assert list(frame["ags"]) == list(sample["ags"])
    assert frame.crs == "EPSG:4326"
    assert frame["population"].sum() == sample["pop"].sum()
    assert frame["area_km2"].tolist() == pytest.approx(sample["area_km2"].tolist())
    assert set(frame["area_source"]) == {"source"}
    assert frame["population_known"].all()
    assert (frame.geom_type.isin(["Polygon", "MultiPolygon"])).all()


def test_lower_case_layout(source_dir: Path, sample_gemeinden: gpd.GeoDataFrame) -> None:
    table = read_municipalities(source_dir / "bkg/vg250-ew/vg250ew_niedersachsen_gemeinden.geojson", "vg250_ew")
    assert table.rows_read == 990
    frame = table.frame
    assert len(frame) == 964  # 26 coastal AGS appear twice (land and water part): dissolved
    assert frame["ags"].is_unique and (frame["ags"].str.len() == 8).all()
    region_part = frame[frame["ags"].str[:5].isin(["03101", "03154", "03157"])].reset_index(drop=True)
    check_sample(region_part, sample_gemeinden)


def test_lower_case_duplicates_take_population_from_the_land_part(source_dir: Path) -> None:
    frame = read_municipalities(source_dir / "bkg/vg250-ew/vg250ew_niedersachsen_gemeinden.geojson", "vg250_ew").frame
    drochtersen = frame.set_index("ags").loc["03359013"]
    assert drochtersen["population"] == 11284 and drochtersen["area_km2"] == pytest.approx(126.79)
    area = gpd.GeoSeries([drochtersen.geometry], crs="EPSG:4326").to_crs("EPSG:25832").area.iloc[0] / 1e6
    assert area == pytest.approx(126.9, abs=0.5)  # land (106.9 km²) and Elbe part (20.0 km²) united


@pytest.mark.parametrize("crs", ["EPSG:25832", "EPSG:31467", "EPSG:4326"])
def test_official_layout_geopackage(tmp_path: Path, official_layout, sample_gemeinden, crs: str) -> None:
    path = tmp_path / "vg250.gpkg"
    write(official_layout(crs).head(0).assign(AGS=[]), path, layer="vg250_krs")  # a second layer to choose from
    write(official_layout(crs), path, layer="vg250_gem")
    frame = read_municipalities(path, "vg250_ew").frame
    check_sample(frame, sample_gemeinden)
    kinds = frame.set_index("ags")["kind"]
    assert kinds["03101000"] == "Stadt"
    assert all(kinds[a] == "Stadt" for a in SAMPLE_TOWNS)
    assert kinds["03154502"] == "gemeindefreies Gebiet" and kinds["03154014"] == "Gemeinde"


def test_official_layout_only_polygon_layer_is_chosen(tmp_path: Path, official_layout, sample_gemeinden) -> None:
    path = write(official_layout(), tmp_path / "boundaries.gpkg", layer="some_name")
    points = gpd.GeoDataFrame({"x": [1]}, geometry=gpd.points_from_xy([500000], [5800000]), crs="EPSG:25832")
    write(points, path, layer="labels")
    check_sample(read_municipalities(path, "vg250_ew").frame, sample_gemeinden)


def test_official_layout_shapefile_zip(tmp_path: Path, official_layout, sample_gemeinden) -> None:
    shp = write(official_layout("EPSG:31467"), tmp_path / "shp" / "VG250_GEM.shp")
    write(official_layout("EPSG:31467").head(3), tmp_path / "shp" / "VG250_KRS.shp")
    archive = zip_shapefile(shp, tmp_path / "vg250.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        for part in (tmp_path / "shp").glob("VG250_KRS.*"):
            zf.write(part, "vg250_ebenen/" + part.name)
    check_sample(read_municipalities(archive, "vg250_ew").frame, sample_gemeinden)


def test_integer_ags_gets_its_leading_zero_back(tmp_path: Path, official_layout, sample_gemeinden) -> None:
    frame = official_layout().assign(AGS=lambda f: f["AGS"].astype("int64"))
    path = write(frame, tmp_path / "gem.shp")
    assert gpd.read_file(path)["AGS"].dtype.kind == "i"
    normalised = read_municipalities(path, "vg250_ew").frame
    assert normalised["ags"].iloc[0] == "03101000"
    check_sample(normalised, sample_gemeinden)


def test_official_duplicates_keep_the_land_part(tmp_path: Path, official_layout, sample_gemeinden) -> None:
    frame = official_layout()
    water = frame[frame["AGS"] == "03157006"].assign(GF=2, EWZ=0, KFL=0.0)
    water["geometry"] = water.geometry.translate(30000)
    twin = frame[frame["AGS"] == "03101000"].assign(EWZ=0, KFL=0.0)  # a second land part without attributes
    twin["geometry"] = twin.geometry.translate(-30000)
    path = write(gpd.GeoDataFrame(gpd.pd.concat([water, frame, twin]), crs=frame.crs), tmp_path / "gem.gpkg")
    normalised = read_municipalities(path, "vg250_ew").frame
    check_sample(normalised, sample_gemeinden)
    by_ags = normalised.set_index("ags")
    peine = official_layout("EPSG:4326").set_index("AGS").loc["03157006"]
    assert by_ags.loc["03157006"].geometry.equals_exact(peine.geometry, 1e-6)  # the water part was dropped
    braunschweig = gpd.GeoSeries([by_ags.loc["03101000"].geometry], crs="EPSG:4326").to_crs("EPSG:25832")
    assert braunschweig.area.iloc[0] / 1e6 == pytest.approx(2 * 192.7, rel=0.02)  # both land parts united


def test_missing_population_and_area_degrade(tmp_path: Path, official_layout, sample_gemeinden) -> None:
    path = write(official_layout(population=False), tmp_path / "gem.gpkg")
    frame = read_municipalities(path, "vg250_ew").frame
    assert frame["population"].isna().all() and not frame["population_known"].any()
    assert set(frame["area_source"]) == {"computed"}
    assert frame["area_km2"].sum() == pytest.approx(sample_gemeinden["area_km2"].sum(), rel=0.01)


def test_without_bez_kind_comes_from_ags_and_curated_status(tmp_path: Path, official_layout) -> None:
    path = write(official_layout(bez=False), tmp_path / "gem.gpkg")
    plain = read_municipalities(path, "vg250_ew").frame.set_index("ags")["kind"]
    assert plain["03154028"] == "Gemeinde" and plain["03154502"] == "gemeindefreies Gebiet"
    status = {"03154028": "Stadt", "03101000": "Stadt"}
    kinds = read_municipalities(path, "vg250_ew", status=status).frame.set_index("ags")["kind"]
    assert kinds["03154028"] == "Stadt" and kinds["03101000"] == "Stadt"
    assert kinds["03154502"] == "gemeindefreies Gebiet"  # "Helmstedt", the gemeindefreies Gebiet, stays separate
    assert kinds["03154014"] == "Gemeinde"


def test_gemeindefreies_gebiet_with_a_town_name_stays_separate(official_layout, tmp_path: Path) -> None:
    frame = read_municipalities(write(official_layout(), tmp_path / "g.gpkg"), "vg250_ew").frame.set_index("ags")
    assert frame.loc["03154028", "name"] == frame.loc["03154502", "name"] == "Helmstedt"
    assert frame.loc["03154028", "population"] == 25633 and frame.loc["03154502", "population"] == 0
    assert not frame.loc["03154028"].geometry.equals(frame.loc["03154502"].geometry)


def test_bez_mapping_table() -> None:
    layout = load_layout()
    cases = {
        "Stadt": "Stadt", "Kreisfreie Stadt": "Stadt", "Große selbständige Stadt": "Stadt", "Hansestadt": "Stadt",
        "Gemeinde": "Gemeinde", "Flecken": "Gemeinde", "Einheitsgemeinde": "Gemeinde", "Markt": "Gemeinde",
        "gemeindefreies Gebiet": "gemeindefreies Gebiet", "Gemeindefreies Gebiet": "gemeindefreies Gebiet",
        "Universitätsstadt": "Stadt", "Unbekannt": "Gemeinde",
    }
    assert {bez: layout.kind(bez, "03101000", {}) for bez in cases} == cases


def test_hostile_names_are_kept_as_text(tmp_path: Path, official_layout) -> None:
    frame = official_layout().assign(GEN=lambda f: f["GEN"].where(f.index != 1, HOSTILE))
    normalised = read_municipalities(write(frame, tmp_path / "g.gpkg"), "vg250_ew").frame
    assert normalised["name"].iloc[1] == HOSTILE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="AGS"), "no ags column (looked for AGS"),
        (lambda f: f.drop(columns="GEN"), "no name column"),
        (lambda f: f.assign(AGS=f["AGS"].where(f.index != 2, "03x54001")),
         "row 3, field 'AGS': '03x54001' is not a valid 8-digit AGS"),
        (lambda f: f.assign(AGS=f["AGS"].where(f.index != 4, "123")), "row 5, field 'AGS': '123'"),
        (lambda f: f.assign(EWZ=f["EWZ"].astype(str).where(f.index != 0, "viele")), "row 1, field 'EWZ': 'viele'"),
        (lambda f: f.assign(GEN=f["GEN"].where(f.index != 6, "  ")), "row 7, field 'GEN': value is missing"),
    ],
)
def test_bad_content_names_row_and_field(tmp_path: Path, official_layout, change, message: str) -> None:
    path = write(change(official_layout()), tmp_path / "bad.gpkg")
    with pytest.raises(SourceError) as err:
        read_municipalities(path, "vg250_ew")
    assert message in str(err.value) and str(path) in str(err.value) and "vg250_ew" in str(err.value)


def test_missing_crs_and_unknown_crs(tmp_path: Path, official_layout) -> None:
    shp = write(official_layout(), tmp_path / "noprj" / "gem.shp")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(SourceError, match="has no coordinate reference system"):
        read_municipalities(shp, "vg250_ew")
    custom = "+proj=tmerc +lat_0=0 +lon_0=10.5 +k=0.9996 +x_0=123456 +y_0=0 +ellps=GRS80 +units=m"
    odd = write(official_layout().to_crs(custom), tmp_path / "odd.gpkg")
    with pytest.raises(SourceError, match=r"unknown or unsupported CRS .*expected one of EPSG:4326"):
        read_municipalities(odd, "vg250_ew")


def test_coordinates_that_do_not_fit_the_crs(tmp_path: Path, official_layout) -> None:
    frame = official_layout().set_crs("EPSG:4326", allow_override=True)  # metres labelled as degrees
    with pytest.raises(SourceError, match="coordinates do not fit"):
        read_municipalities(write(frame, tmp_path / "g.gpkg"), "vg250_ew")


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    garbage = tmp_path / "gem.gpkg"
    garbage.write_bytes(b"this is not a GeoPackage")
    with pytest.raises(SourceError, match="unreadable file"):
        read_municipalities(garbage, "vg250_ew")
    bad_zip = tmp_path / "gem.zip"
    bad_zip.write_bytes(b"PK no zip")
    with pytest.raises(SourceError, match="not a valid zip archive"):
        read_municipalities(bad_zip, "vg250_ew")
    with pytest.raises(SourceError, match="file not found"):
        read_municipalities(tmp_path / "absent.shp", "vg250_ew")


def test_ambiguous_layers_are_an_error(tmp_path: Path, official_layout) -> None:
    path = write(official_layout(), tmp_path / "g.gpkg", layer="a")
    write(official_layout(), path, layer="b")
    with pytest.raises(SourceError, match=r"cannot tell which layer to read \(layers: a, b\)"):
        read_municipalities(path, "vg250_ew")
    with pytest.raises(SourceError, match="no layer 'c'"):
        read_municipalities(path, "vg250_ew", layer="c")
    assert len(read_municipalities(path, "vg250_ew", layer="B").frame) == 36


def test_points_are_not_boundaries(tmp_path: Path) -> None:
    points = gpd.GeoDataFrame({"AGS": ["03101000"], "GEN": ["x"]}, geometry=gpd.points_from_xy([10.5], [52.3]),
                              crs="EPSG:4326")
    with pytest.raises(SourceError, match="row 1: geometry is Point, expected a polygon"):
        read_municipalities(write(points, tmp_path / "p.gpkg"), "vg250_ew")


def test_states_land_areas_only(source_dir: Path) -> None:
    table = read_states(source_dir / "bkg/vg5000-2021/VG5000_LAN.shp", "vg5000_lan")
    frame = table.frame
    assert table.rows_read == 25
    assert list(frame["ags"]) == [f"{i:02d}" for i in range(1, 17)]
    assert frame.crs == "EPSG:4326"
    nds = frame.set_index("ags").loc["03"]
    assert nds["name"] == "Niedersachsen"
    area = gpd.GeoSeries([nds.geometry], crs="EPSG:4326").to_crs("EPSG:25832").area.iloc[0] / 1e6
    assert area == pytest.approx(47_667, rel=0.01)  # land only: the 5,732 km² of coastal water are dropped


def test_gemeinde_status_file(tmp_path: Path) -> None:
    path = tmp_path / "gemeinde_status.csv"
    path.write_text("ags,name,kind,source,as_of\n03154028,Helmstedt,Stadt,NLS,2024-01-01\n", encoding="utf-8")
    assert read_gemeinde_status(path) == {"03154028": "Stadt"}
    path.write_text("ags,name,kind,source,as_of\n03154028,Helmstedt,Stadt,x,2024\n3154028,Helmstedt,Stadt,x,2024\n")
    with pytest.raises(SourceError, match="line 3, field 'ags': '3154028' is not an 8-digit AGS"):
        read_gemeinde_status(path)
    path.write_text("ags,name,kind,source,as_of\n03154028,Helmstedt,Großstadt,x,2024\n")
    with pytest.raises(SourceError, match="line 2, field 'kind': 'Großstadt'"):
        read_gemeinde_status(path)
