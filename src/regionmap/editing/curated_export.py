"""`regionmap export-curated`: the partners' published records written back into the curated CSV files, so that a
release of the project can snapshot them (`data/geo/curated/*.csv`, reviewed like any change to those files)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from regionmap.data.curated import read_curated
from regionmap.editing.records import editable_layers, schema_of
from regionmap.editing.repository import Edits, PublishedRecord


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    replaced: int
    added: int
    withdrawn: int


def merged_rows(header: Sequence[str], rows: Sequence[dict[str, str]],
                published: Sequence[PublishedRecord]) -> tuple[list[dict[str, str]], int, int, int]:
    """The curated rows with the partners' versions in place, their new records added (by id) and withdrawn ones
    removed; and how many were replaced, added and removed."""
    by_id = {r.id: r for r in published}
    out, replaced, withdrawn = [], 0, 0
    for row in rows:
        partner = by_id.pop(row.get("id", ""), None)
        if partner is None:
            out.append(dict(row))
        elif partner.status == "withdrawn":
            withdrawn += 1
        else:
            out.append(_row(partner, header))
            replaced += 1
    added = [_row(r, header) for r in by_id.values() if r.status != "withdrawn"]
    return sorted(out + added, key=lambda r: r.get("id", "")), replaced, len(added), withdrawn


def _row(record: PublishedRecord, header: Sequence[str]) -> dict[str, str]:
    """A published record as a curated row, with its confirmation."""
    values = {**record.values, "confirmed_by": record.confirmed_by, "confirmed_on": record.confirmed_on}
    return {column: values.get(column, "") for column in header}


def export_curated(edits: Edits, curated_dir: Path, out_dir: Path | None = None) -> list[ExportedFile]:
    """Write each editable layer's curated file with the published records into `out_dir` (default: in place)."""
    out_dir = out_dir or curated_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for layer in editable_layers():
        published = edits.published(layer.id)
        source = curated_dir / layer.curated.file
        table = read_curated(source, schema_of(layer.id))
        header = [f.name for f in schema_of(layer.id).fields if f.name != "layer" or "layer" in _header(source)]
        rows, replaced, added, withdrawn = merged_rows(header, [r.values for r in table.records], published)
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        target = out_dir / layer.curated.file
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=out_dir)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(buffer.getvalue())
        Path(temporary).replace(target)
        written.append(ExportedFile(target, replaced, added, withdrawn))
    return written


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [h.strip() for h in next(csv.reader(file), [])]
