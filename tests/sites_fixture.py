"""A small sites layer in the store's schema (with location factors), shared by the investor-view tests."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

HOSTILE = "<img src=x onerror=alert(1)>"


def sample_sites() -> gpd.GeoDataFrame:
    rows = [
        # id, name, category, sectors, area_ha, size_class, availability, kreis_ags, ags, motorway, airport, station_fv, lon, lat
        ("sites-a", "Logistikpark A2 Ost", "logistics", "logistics,mobility", 42.0, None, "available", "03241", "03241001", 2.5, 12.0, 8.0, 9.90, 52.40),
        ("sites-b", "GE Nord", "logistics", "logistics", None, "M", "limited", "03101", "03101000", 9.99, 30.0, 4.0, 10.52, 52.30),
        ("sites-c", HOSTILE, "industry", "production,energy", 5.0, None, "available", "03101", "03101000", 10.0, None, 3.0, 10.50, 52.25),
        ("sites-d", "Hafen West", "logistics", "logistics", None, None, "on_request", "03103", "03103000", None, 40.0, 1.0, 10.78, 52.42),
        ("sites-e", "Technologiepark", "science_park", "digital,health", None, "S", "available", "03159", "03159016", 25.0, 80.0, 2.0, 9.93, 51.53),
        ("sites-f", "Großes Feld", "logistics", "logistics", None, "XL", "available", "03241", "03241001", 7.0, 5.0, 15.0, 9.70, 52.45),
    ]
    columns = ["id", "name", "category", "sectors", "area_ha", "size_class", "availability", "kreis_ags", "ags",
               "dist_motorway_km", "dist_airport_km", "dist_station_fv_km"]
    records = [dict(zip(columns, row[:12])) for row in rows]
    frame = gpd.GeoDataFrame(records, geometry=[Point(row[12], row[13]) for row in rows], crs="EPSG:4326")
    frame["layer"] = "sites"
    frame["municipality"] = frame["ags"].map({"03241001": "Hannover", "03101000": "Braunschweig", "03103000": "Wolfsburg", "03159016": "Göttingen"})
    frame["kreis"] = frame["kreis_ags"].map({"03241": "Region Hannover", "03101": "Braunschweig", "03103": "Wolfsburg", "03159": "Göttingen"})
    frame["nearest_motorway"] = ["AS Lehrte-Ost (A2)", "AS BS-Nord (A2)", "AS BS-Watenbüttel", None, "AS Göttingen (A7)", "AS Garbsen"]
    frame["nearest_airport"] = ["Hannover", "Hannover", None, "Hannover", "Hannover", "Hannover"]
    frame["nearest_station_fv"] = ["Lehrte", "Braunschweig Hbf", "Braunschweig Hbf", "Wolfsburg Hbf", "Göttingen", "Hannover Hbf"]
    for column in ("dist_station_rv_km", "dist_airfield_km", "dist_university_km", "dist_research_km"):
        frame[column] = 3.0
    for column in ("nearest_station_rv", "nearest_airfield", "nearest_university", "nearest_research"):
        frame[column] = "X"
    frame["indicative"] = [True, False, True, True, False, True]
    return frame


# Every investor field of a site set, as the store holds them (optional bools as text, dates as ISO text).
INVESTOR_FIELDS = {
    "area_ha": 42.5, "net_area_ha": 38.0, "price_min_eur_m2": 45.0, "price_max_eur_m2": 60.0,
    "price_on_request": "false", "planning_status": "in_force", "land_use": "GI", "serviced": "true",
    "available_from": "2027-06-01", "broadband_mbps": 1000.0, "operation_24h": "true", "rail_siding": "true",
    "owner": "public", "contact_org": "Wirtschaftsförderung Lehrte", "contact_person": "Erika Mustermann",
    "contact_email": "standorte@example.org", "contact_phone": "+49 (5132) 505-0",
    "confirmed_by": "Region Hannover", "confirmed_on": "2026-11-20",
}
