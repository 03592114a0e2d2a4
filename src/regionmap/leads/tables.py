"""The leads' tables, beside the editing tables in the store (named `edit_*`, so a rebuild of the GeoPackage carries
them over and PostgreSQL keeps them in the editing schema, which builds never swap; neither is ever a layer).

`edit_leads` holds the visitor's data and is deleted row by row (retention, deletion on request); `edit_lead_sites`
the sites of each lead with the organisation each is routed to; `edit_interest` counts per site, month and kind
(`shortlisted`, `enquired`), with nothing that identifies anyone.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
leads_table = sa.Table(
    "edit_leads", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("name", sa.Text, nullable=False), sa.Column("company", sa.Text, nullable=False),
    sa.Column("email", sa.String(254), nullable=False), sa.Column("message", sa.Text, nullable=False),
    sa.Column("language", sa.String(5), nullable=False),
    sa.Column("consent_version", sa.String(200), nullable=False),
    sa.Column("consent_hash", sa.String(64), nullable=False), sa.Column("consent_at", sa.String(32), nullable=False),
    sa.Index("edit_leads_created_at", "created_at"), sa.Index("edit_leads_email", "email"),  # `edit_*`: carried too
    sqlite_autoincrement=True,  # an id is never given twice, also after every lead was deleted (exports stay unique)
)
lead_sites_table = sa.Table(
    "edit_lead_sites", metadata,
    sa.Column("lead_id", sa.Integer, primary_key=True), sa.Column("site_id", sa.String(120), primary_key=True),
    sa.Column("organisation", sa.String(200), primary_key=True),
)
interest_table = sa.Table(
    "edit_interest", metadata,
    sa.Column("site_id", sa.String(120), primary_key=True), sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True), sa.Column("count", sa.Integer, nullable=False),
)
