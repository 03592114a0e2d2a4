"""What an upload says about the region: each record with its municipality and Kreis, counts per municipality, and
the count indicators of the Kommunen page."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from regionmap.dashboard.indicators import Indicator
from regionmap.spatial import locate_points
from regionmap.uploads.formats import ROW
from regionmap.uploads.geometry import APPROXIMATE, APPROXIMATE_POSTCODE
from regionmap.uploads.upload import Upload

EXPORT_ROW = "source_row"
EXPORT_APPROXIMATE = "position_approximate"
COUNT_COLUMN = "n_upload"
UPLOAD_INDICATORS = ("upload_count", "upload_per_10k")  # ids of the upload's indicators (never in a URL)  # the count per municipality, as a column of a copy of `gemeinden`


JOINED_COLUMNS = ("ags", "municipality", "kreis_ags", "kreis")
JOINED_PREFIX = "regionmap_"


def joined_table(upload: Upload, gemeinden: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each uploaded record with the AGS, municipality and Kreis it lies in (the first for lines and polygons)."""
    representative = upload.frame.set_geometry(upload.frame.geometry.representative_point())
    located, _ = locate_points(representative, gemeinden)
    added = located[list(JOINED_COLUMNS)]
    # A file's own column of the same name keeps its name; the region's value is then prefixed.
    added = added.rename(columns={c: f"{JOINED_PREFIX}{c}" for c in JOINED_COLUMNS if c in upload.frame.columns})
    out = upload.frame.join(added)
    return gpd.GeoDataFrame(out, geometry=upload.frame.geometry.name, crs=upload.frame.crs)


def region_column(joined: pd.DataFrame, name: str) -> str:
    """The column of `joined_table`'s result that holds the region's `name` (one of JOINED_COLUMNS)."""
    return f"{JOINED_PREFIX}{name}" if f"{JOINED_PREFIX}{name}" in joined.columns else name


def counts_per_municipality(joined: pd.DataFrame, gemeinden: gpd.GeoDataFrame) -> pd.Series:
    """How many records of `joined` (from `joined_table`) lie in each municipality (AGS -> count, every
    municipality listed)."""
    counts = joined[region_column(joined, "ags")].value_counts()
    return gemeinden["ags"].map(counts).fillna(0).astype("int64").set_axis(gemeinden["ags"])


def export_frame(upload: Upload, joined: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The joined result for download: the file's row (`source_row`), its columns, whether its position is only its
    postcode's (`position_approximate`), then the region's AGS, municipality, Kreis AGS and Kreis."""
    region = [region_column(joined, c) for c in JOINED_COLUMNS]
    out = joined[[ROW, *upload.columns, *region]].rename(columns={ROW: EXPORT_ROW})
    if upload.approximate:
        out.insert(len(upload.columns) + 1, EXPORT_APPROXIMATE, joined[APPROXIMATE] == APPROXIMATE_POSTCODE)
    return gpd.GeoDataFrame(out, geometry=joined.geometry.to_numpy(), crs=joined.crs)


def upload_indicators(label: str) -> tuple[Indicator, Indicator]:
    """The upload's count and count per 10,000 inhabitants, as indicators of `with_counts(...)`'s frame."""
    return (
        Indicator(UPLOAD_INDICATORS[0], COUNT_COLUMN, "upload.indicator.count", "none", 0, subject=label),
        Indicator(UPLOAD_INDICATORS[1], COUNT_COLUMN, "upload.indicator.per_10k", "per_10k", 2, per_inhabitants=True,
                  subject=label),
    )


def with_counts(gemeinden: gpd.GeoDataFrame, joined: pd.DataFrame) -> gpd.GeoDataFrame:
    """A copy of `gemeinden` with the upload's count per municipality in COUNT_COLUMN."""
    out = gemeinden.copy()
    out[COUNT_COLUMN] = counts_per_municipality(joined, gemeinden).to_numpy()
    return out


def records_in(joined: pd.DataFrame, ags: str) -> pd.Index:
    """The index of the uploaded records inside the municipality `ags`."""
    return joined.index[joined[region_column(joined, "ags")] == ags]


def outside_region(joined: pd.DataFrame) -> int:
    """How many uploaded records lie in no municipality of the region."""
    return int(joined[region_column(joined, "ags")].isna().sum())
