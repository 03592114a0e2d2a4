"""Which organisation an enquiry about a site reaches: the partner organisation of a published record, else, for an
official record, the organisations answering for it (`regionmap.freshness.states.responsible`); a site no partner
answers for reaches the region's office alone (which receives every enquiry anyway)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from regionmap.editing.repository import CurrentRecord
from regionmap.editing.roles import Grant
from regionmap.freshness.states import NO_ORGANISATION, responsible

SITES = "sites"
MAX_SITE_ID = 120


@dataclass(frozen=True)
class Routing:
    """The known, shown sites of a request with their organisations (`sites`: id -> organisations, in the
    request's order) and the ids that name no shown site (`unknown`)."""

    sites: Mapping[str, tuple[str, ...]]
    unknown: tuple[str, ...]

    @property
    def organisations(self) -> tuple[str, ...]:
        return tuple(sorted({o for names in self.sites.values() for o in names}))


def route(site_ids: Iterable[str], records: Mapping[str, CurrentRecord], grants: Sequence[Grant],
          region_office: str) -> Routing:
    """The routing of `site_ids` (duplicates once) over the sites layer's current `records` and the `grants`."""
    sites: dict[str, tuple[str, ...]] = {}
    unknown: list[str] = []
    for site_id in dict.fromkeys(str(s)[:MAX_SITE_ID] for s in site_ids):
        record = records.get(site_id)
        if record is None or record.status == "withdrawn" or record.place is None:
            unknown.append(site_id)
            continue
        names = responsible(SITES, record.place.kreis_ags, record.place.ags, record.organisation, grants)
        sites[site_id] = tuple(region_office if n == NO_ORGANISATION else n for n in names)
    return Routing(sites, tuple(unknown))
