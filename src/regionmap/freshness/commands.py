"""The command-line side of freshness and monitoring: `regionmap freshness --due`, `regionmap sites --as-of` and
`regionmap monitoring --year`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from regionmap import config, i18n

STORE_HELP = "the store: a GeoPackage path or a postgresql:// URL (default: $REGIONMAP_STORE)"


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date YYYY-MM-DD") from exc


def _store(args: argparse.Namespace):
    """The store of `--store` (a store nobody edited yet reads as an empty history)."""
    from regionmap.data.store import store_at

    return store_at(args.store)


def _write(args: argparse.Namespace, frame: pd.DataFrame, text: str) -> None:
    """The frame as CSV (`--format csv`) or the text, to `--out` or standard output."""
    from regionmap.data.exports import table_csv_bytes

    data = table_csv_bytes(frame, "en") if args.format == "csv" else text.encode("utf-8")
    if args.out:
        config.resolve_path(args.out).write_bytes(data)
        print(f"{len(frame)} rows written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(data.decode("utf-8-sig"))


def _freshness(args: argparse.Namespace) -> int:
    from regionmap.freshness.states import NO_ORGANISATION, due_list, with_states
    from regionmap.freshness.stock import all_records

    edits = _store(args).edits()
    states = with_states(all_records(edits), args.as_of)
    due = due_list(states, edits.grants(None), args.lang)
    lines = []
    for organisation, rows in due.groupby("organisation", sort=False):
        name = organisation or i18n.t("freshness.no_organisation", args.lang)
        lines.append(f"{name}: {i18n.tn('freshness.due_count', len(rows), args.lang)}")
        for row in rows.itertuples(index=False):
            state = i18n.t(f"freshness.state.{row.state}", args.lang)
            lines.append(f"  {row.layer}\t{row.id}\t{row.name}\t{row.kreis}\t{state}\t{row.notice}")
    text = "\n".join(lines) + "\n" if lines else i18n.t("freshness.nothing_due", args.lang) + "\n"
    _write(args, due.assign(organisation=due["organisation"].replace(NO_ORGANISATION, "")), text)
    return 0


def _sites(args: argparse.Namespace) -> int:
    from regionmap.freshness.history import sites_as_of
    from regionmap.freshness.stock import layer_records

    edits = _store(args).edits()
    stock = sites_as_of(layer_records(edits, "sites"), edits.history(None, layer="sites"), args.as_of)
    columns = [c for c in ("id", "name", "kreis", "category", "availability", "area_ha", "net_area_ha",
                           "planning_status", "status_since") if c in stock.columns]
    frame = stock[columns]
    width = {c: max([len(c), *(len(str(v)) for v in frame[c])]) for c in columns}
    lines = ["  ".join(c.ljust(width[c]) for c in columns)]
    lines += ["  ".join(str(v).ljust(width[c]) for c, v in zip(columns, row)) for row in frame.itertuples(index=False)]
    _write(args, frame, "\n".join(lines) + f"\n{len(frame)} sites as of {args.as_of.isoformat()}\n")
    return 0


def _monitoring(args: argparse.Namespace) -> int:
    from regionmap.freshness.report import monitoring_report

    out = Path(config.resolve_path(args.out))
    out.mkdir(parents=True, exist_ok=True)
    for name, content in monitoring_report(_store(args), args.year, args.lang).items():
        (out / name).write_bytes(content)
        print(f"{out / name}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    def output(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--format", choices=("csv", "text"), default="text", help="output format (default text)")
        parser.add_argument("--out", help="file to write (default: standard output)")
        parser.add_argument("--store", help=STORE_HELP)

    languages = config.LANGUAGES
    freshness = sub.add_parser("freshness", help="how current the partners' records are: the due list per "
                               "organisation (for a mail merge or a cron job)")
    freshness.add_argument("--due", action="store_true", required=True,
                           help="list the records due or overdue, per responsible organisation")
    freshness.add_argument("--as-of", type=_day, default=dt.date.today(), metavar="YYYY-MM-DD",
                           help="the day to judge on (default today)")
    freshness.add_argument("--lang", choices=languages, default=config.DEFAULT_LANGUAGE, help="language of the texts")
    output(freshness)
    freshness.set_defaults(func=_freshness)

    sites = sub.add_parser("sites", help="the stock of sites with availability and area as of a day, from the "
                           "editing history")
    sites.add_argument("--as-of", type=_day, default=dt.date.today(), metavar="YYYY-MM-DD",
                       help="the day (its end, UTC; default today)")
    output(sites)
    sites.set_defaults(func=_sites)

    monitoring = sub.add_parser("monitoring", help="the yearly site monitoring (XLSX and PDF) from the history")
    monitoring.add_argument("--year", type=int, required=True)
    monitoring.add_argument("--out", required=True, help="folder to write the XLSX and the PDF into")
    monitoring.add_argument("--lang", choices=languages, default=config.DEFAULT_LANGUAGE,
                            help="language of the report (default de)")
    monitoring.add_argument("--store", help=STORE_HELP)
    monitoring.set_defaults(func=_monitoring)
