"""Partners keep their own records: roles and areas, change sets, review, publishing and the append-only history.

Pure rules (`roles`, `records`, `changesets`) stay apart from storage (`repository`: SQLAlchemy Core tables in the
store itself, the same code on the GeoPackage's SQLite and on PostgreSQL). Published records reach every reader of the
store through `overlay`, applied by the store backends' `read_layer`.
"""
