"""Readers for the source datasets, one module per source family, each returning normalised (Geo)DataFrames."""
