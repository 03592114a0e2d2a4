"""Point source readers: GISCO hospitals, DB stations, OpenFlights airports, GeoNames postal codes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pipeline_support import HOSTILE

from regionmap.errors import SourceError
from regionmap.data.sources.db import read_stations
from regionmap.data.sources.geonames import read_postal_codes
from regionmap.data.sources.gisco import read_hospitals
from regionmap.data.sources.openflights import read_airports

GISCO_HEADER = "id,hospital_name,site_name,lat,lon,geo_qual,street,house_number,postcode,city,cc\n"
DB_HEADER = "EVA_NR;DS100;IFOPT;NAME;Verkehr;Laenge;Breite;Betreiber_Name;Betreiber_Nr;Status\n"
AIRPORT = ('{id},"{name}","Hannover","Germany",{iata},"EDDV",52.461101532,9.685079574580001,183,1,"E",'
           '"Europe/Berlin","{type}","OurAirports"\n')


def text_file(tmp_path: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def test_real_files_are_read_completely(source_dir: Path) -> None:
    assert read_hospitals(source_dir / "gisco/healthcare_DE_2020.csv").rows_read == 2809
    stations = read_stations(source_dir / "db/D_Bahnhof_2020_alle.csv")
    assert stations.rows_read == len(stations.frame) == 6519
    airports = read_airports(source_dir / "openflights/airports-extended.dat")
    assert airports.rows_read == 12668 and len(airports.frame) == 8264  # type "airport" only
    postal = read_postal_codes(source_dir / "geonames/postalcodes_DE_2016.zip")
    assert len(postal) == 16485 and postal["postal_code"].str.len().eq(5).all()
    assert postal["postal_code"].iloc[0].startswith("0")  # leading zeros kept


def test_hospitals(tmp_path: Path) -> None:
    path = text_file(tmp_path, "h.csv", GISCO_HEADER
                     + f'1_001,Klinikum,"{HOSTILE}",52.37,9.73,1,Straße,1,03046,Hannover,DE\n'
                     + "1_001,Klinikum,Zweitstandort,52.38,9.74,1,Weg,2a,30159,Hannover,DE\n")
    table = read_hospitals(path)
    frame = table.frame
    assert table.rows_read == 2 and list(frame["id"]) == ["1_001", "1_001"]  # the register repeats some site ids
    assert frame["site_name"].iloc[0] == HOSTILE and frame["postcode"].iloc[0] == "03046"
    assert frame.crs == "EPSG:4326" and frame.geometry.iloc[0].x == pytest.approx(9.73)
    assert list(frame.columns) == ["id", "name", "site_name", "street", "house_number", "postcode", "city", "geometry"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2,K,S,95.1,9.7,1,S,1,30159,H,DE", "line 3, field 'lat': 95.1 is outside [-90, 90]"),
        ("2,K,S,52.1,abc,1,S,1,30159,H,DE", "line 3, field 'lon': 'abc' is not a number"),
        ("2,K,S,,9.7,1,S,1,30159,H,DE", "line 3, field 'lat': value is missing"),
        (",K,S,52.1,9.7,1,S,1,30159,H,DE", "line 3, field 'id': value is missing"),
        ("2,K,S,52.1,9.7,1,S,1,30159,H", "line 3: 10 fields, expected 11"),
    ],
)
def test_hospital_errors_name_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    path = text_file(tmp_path, "h.csv", GISCO_HEADER + "1,K,S,52.1,9.7,1,S,1,30159,H,DE\n" + row + "\n")
    with pytest.raises(SourceError) as err:
        read_hospitals(path)
    assert message in str(err.value) and "gisco_hospitals" in str(err.value) and str(path) in str(err.value)


def test_hospital_missing_column(tmp_path: Path) -> None:
    path = text_file(tmp_path, "h.csv", "id,name,lat,lon\n1,K,52,9\n")
    with pytest.raises(SourceError, match="missing column.s. hospital_name, site_name, street"):
        read_hospitals(path)


def test_stations_decimal_comma_and_traffic(tmp_path: Path) -> None:
    path = text_file(tmp_path, "s.csv", DB_HEADER
                     + "8000152;HH;de:03241:5;Hannover Hbf;FV;9,741;52,3766;DB Station und Service AG;;\n"
                     + "8000001;HX;;Nowhere;RVnur DPN;9,5;52,1;DB;;\n"
                     + "8000002;;;Somewhere;nur DPN;9,6;52,2;;;\n")
    frame = read_stations(path).frame
    assert list(frame["eva_nr"]) == ["8000152", "8000001", "8000002"]
    assert frame["traffic"].tolist() == ["FV", None, "nur DPN"]  # a malformed class is unknown, not invented
    assert frame.geometry.iloc[0].coords[0] == pytest.approx((9.741, 52.3766))
    assert frame["ds100"].iloc[2] is None and frame["operator"].iloc[2] is None


def test_stations_later_vintage_without_verkehr(tmp_path: Path) -> None:
    path = text_file(tmp_path, "stations.csv", "EVA_NR;DS100;IFOPT;NAME;Laenge;Breite;Betreiber_Name\n"
                     "8000152;HH;de:03241:5;Hannover Hbf;9,741;52,3766;DB Station und Service AG\n")
    frame = read_stations(path).frame
    assert frame["traffic"].isna().all() and frame["name"].iloc[0] == "Hannover Hbf"


def test_stations_windows_encoding_and_bad_row(tmp_path: Path) -> None:
    path = text_file(tmp_path, "s.csv", DB_HEADER + "8000001;HX;;Göttingen;FV;9,9;51,5;DB;;\n", encoding="cp1252")
    assert read_stations(path).frame["name"].iloc[0] == "Göttingen"
    bad = text_file(tmp_path, "bad.csv", DB_HEADER + "8000001;HX;;A;FV;9,9;51,5;DB;;\n8000002;HY;;B;RV;9,9;5x;DB;;\n")
    with pytest.raises(SourceError, match="line 3, field 'Breite': '5x' is not a number"):
        read_stations(bad)
    dup = text_file(tmp_path, "dup.csv", DB_HEADER + "8000001;HX;;A;FV;9,9;51,5;DB;;\n8000001;HY;;B;RV;9,9;51;DB;;\n")
    with pytest.raises(SourceError, match="line 3, field 'EVA_NR': duplicate value '8000001'"):
        read_stations(dup)


def test_airports(tmp_path: Path) -> None:
    path = text_file(tmp_path, "a.dat",
                     AIRPORT.format(id=352, name="Hannover Airport", iata='"HAJ"', type="airport")
                     + AIRPORT.format(id=9000, name="Hannover Hbf", iata=r"\N", type="station")
                     + AIRPORT.format(id=9001, name=HOSTILE, iata=r"\N", type="airport").replace(",183,", r",\N,"))
    table = read_airports(path)
    assert table.rows_read == 3
    frame = table.frame
    assert list(frame["id"]) == [352, 9001]
    assert frame["iata"].iloc[0] == "HAJ" and frame["iata"].iloc[1] is None
    assert frame["altitude_ft"].iloc[0] == 183 and frame["altitude_ft"].isna().iloc[1]
    assert frame["name"].iloc[1] == HOSTILE


def test_airport_errors(tmp_path: Path) -> None:
    good = AIRPORT.format(id=1, name="A", iata=r"\N", type="airport")
    short = text_file(tmp_path, "short.dat", good + '2,"B","C"\n')
    with pytest.raises(SourceError, match="line 2: 3 fields, expected 14"):
        read_airports(short)
    bad = text_file(tmp_path, "bad.dat", good + good.replace("1,", "2,", 1).replace("52.46", "252.46"))
    with pytest.raises(SourceError, match="line 2, field 'lat': 252.46.* is outside"):
        read_airports(bad)


def test_postal_codes_text_and_zip(tmp_path: Path) -> None:
    row = "DE\t{plz}\tGöttingen\tNiedersachsen\tNI\t\t00\tGöttingen\t03159\t{lat}\t9.9\t4\n"
    txt = text_file(tmp_path, "DE.txt", row.format(plz="37073", lat="51.53") + row.format(plz="01067", lat="51.05"))
    frame = read_postal_codes(txt)
    assert list(frame["postal_code"]) == ["37073", "01067"] and frame["lat"].iloc[0] == pytest.approx(51.53)
    archive = tmp_path / "DE.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "GeoNames")
        zf.write(txt, "DE.txt")
    assert read_postal_codes(archive).equals(frame)
    bad = text_file(tmp_path, "bad.txt", row.format(plz="37073", lat="91"))
    with pytest.raises(SourceError, match="line 1, field 'lat': 91.0 is outside"):
        read_postal_codes(bad)
    with pytest.raises(SourceError, match="file not found"):
        read_postal_codes(tmp_path / "missing.zip")
