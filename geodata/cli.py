"""The command line: ``python -m geodata import|list|show|remove|report|fetch-boundaries``.

Exit status scripts can rely on:

===  ==========================================================
0    done; every row imported
1    imported, but some rows were quarantined (see the report)
2    usage error (bad arguments)
3    the file was refused or could not be read; nothing changed
4    no such dataset
5    download failed (fetch-boundaries); nothing changed
6    could not write (data or reports folder); nothing changed
===  ==========================================================

Every failure is one line on stderr (``error: ...``), never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from geodata.catalog import Catalog, CatalogSettings, check_name, open_catalog
from geodata.catalog.protocol import name_from_text
from geodata.catalog.snapshot import remove_snapshots
from geodata.ingest import FORMATS, ingest_file, reports_root
from geodata.ingest.upsert import Changes
from geodata.model.errors import GeodataError, SchemaError, UnreadableFileError

OK, QUARANTINED, USAGE, REFUSED, UNKNOWN, DOWNLOAD, UNWRITABLE = 0, 1, 2, 3, 4, 5, 6
EPILOG = ("exit status: 0 all imported, 1 some rows quarantined, 2 usage, 3 file refused (nothing changed), "
          "4 no such dataset, 5 download failed, 6 could not write (nothing changed)")


class Progress:
    """Stages with elapsed time on stderr; a live bar when stderr is a terminal."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.start = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.start
        line = f"[{elapsed:6.1f}s] {message}"
        sys.stderr.write(("\r\033[K" + line) if self.tty else line + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty and not self.quiet:
            sys.stderr.write("\n")


def _settings(args) -> CatalogSettings:
    """The environment's settings, with the data folder given by ``--data`` if any."""
    settings = CatalogSettings.from_env()
    return replace(settings, data_dir=args.data) if args.data else settings


def _catalog(args) -> Catalog:
    return open_catalog(_settings(args))


def _known(catalog: Catalog, name: str) -> bool:
    """Whether ``name`` is a stored dataset; if not, say so on stderr."""
    if name in catalog.names():
        return True
    print(f"error: no dataset named {name!r}", file=sys.stderr)
    return False


def _defaults(args) -> dict[str, str]:
    """``--source``, ``--source-url`` and ``--country`` as the canonical values an HXL file may lack."""
    given = {"source": args.source, "source_url": args.source_url, "country": args.country}
    return {name: value for name, value in given.items() if value}


def cmd_import(args) -> int:
    if args.dataset is not None:
        try:
            check_name(args.dataset)
        except GeodataError as exc:
            _error(exc)
            return USAGE
    settings = _settings(args)
    catalog = open_catalog(settings)
    progress = Progress(args.quiet)
    try:
        outcome = ingest_file(args.file, args.format, catalog, dataset=args.dataset, title=args.title,
                              mapping=args.mapping, deletions=args.delete, crs=args.crs,
                              fix_swapped=args.fix_swapped, table=args.table, defaults=_defaults(args),
                              report_root=reports_root(catalog, settings), progress=progress)
    except OSError as exc:  # DatasetWriteError, ReportWriteError: the store or reports folder is read-only
        progress.done()
        _error(exc)
        return UNWRITABLE
    except (UnreadableFileError, SchemaError, GeodataError) as exc:
        progress.done()
        _error(exc)
        return REFUSED
    progress.done()
    result = outcome.result
    print(result.report.summary())
    if outcome.version is not None:
        for line in outcome.changes.lines():
            print(line)
    if outcome.reassigned[0]:
        print(f"re-assigned p-codes of {outcome.reassigned[0]} dataset(s) ({outcome.reassigned[1]:,} rows)")
    for problem in result.report.problems[:10]:
        print(f"  quarantined: {problem}")
    if result.quarantined > 10:
        print(f"  ... {result.quarantined - 10} more; all of them in {outcome.report_path}")
    for warning in result.report.warnings[:5]:
        print(f"  warning: {warning}")
    version = f" version {outcome.version}" if outcome.version else ""
    print(f"dataset {outcome.dataset!r}{version}; report: {outcome.report_path}")
    return QUARANTINED if result.quarantined else OK


def _error(exc: BaseException | str) -> None:
    """One line on stderr for a failure (a multi-line message is joined)."""
    print("error: " + " ".join(str(exc).split()), file=sys.stderr)


def cmd_list(args) -> int:
    catalog = _catalog(args)
    names = catalog.names()
    if not names:
        print("no datasets yet: python -m geodata import FILE --format FORMAT")
    for name in names:
        try:
            meta = catalog.meta(name)
        except GeodataError as exc:  # one damaged dataset does not hide the others
            print(f"{name}\tDAMAGED\t{' '.join(str(exc).split())}")
            continue
        rows = meta.get("rows", {})
        print(f"{name}\t{meta.get('version', '')}\t{rows.get('incidents', 0)} incidents\t"
              f"{rows.get('displacement', 0)} figures\t{meta.get('imported_at', '')}\t{meta.get('title', '')}")
    for name in getattr(catalog, "unreachable", list)():
        print(f"{name}\tUNREACHABLE\tthe name breaks the naming rule (ASCII letters, digits, - and _, at most "
              f"64); rename the folder to e.g. {name_from_text(name)!r} to use it again")
    return OK


def cmd_show(args) -> int:
    catalog = _catalog(args)
    if not _known(catalog, args.name):
        return UNKNOWN
    print(json.dumps(catalog.meta(args.name), indent=1, default=str))  # a damaged one: error, exit 3
    return OK


def cmd_remove(args) -> int:
    settings = _settings(args)
    catalog = open_catalog(settings)
    if not _known(catalog, args.name):
        return UNKNOWN
    catalog.remove(args.name)
    if remove_snapshots(args.name, settings.data_dir):  # a database's local copies go with it
        print(f"removed {args.name!r} and its local snapshot")
    else:
        print(f"removed {args.name!r}")
    return OK


def cmd_report(args) -> int:
    settings = _settings(args)
    root = reports_root(open_catalog(settings), settings)
    if args.name != "boundaries":  # boundary imports report under "boundaries"; anything else is a dataset name
        try:
            check_name(args.name)
        except GeodataError as exc:
            _error(exc)
            return USAGE
    reports = sorted((root / "reports" / args.name).glob("*.json"))
    if not reports:
        print(f"error: no import report for {args.name!r}", file=sys.stderr)
        return UNKNOWN
    for path in reports if args.all else reports[-1:]:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            body["file"], body["rows_in"]  # noqa: B018 - a report without them is damaged
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path.name}: damaged report ({exc})")
            continue
        print(f"{path.name}: {body['file']} ({body['format']}): {body['rows_in']} rows in, "
              f"{body['imported']} imported, {body['quarantined']} quarantined, {body['duplicates']} duplicate(s)")
        changes = body.get("changes")
        if isinstance(changes, dict):
            try:
                print("  " + "\n  ".join(Changes(**{**changes, "unknown_deletions": tuple(
                    changes.get("unknown_deletions") or ())}).lines()))
            except TypeError:
                pass  # a report from another version: the counts above stand
        for problem in body.get("problems", [])[: args.limit]:
            print(f"  line {problem['line']}, column {problem['column']!r}: {problem['reason']}")
        print(f"  every quarantined row: {body.get('quarantine_file')}")
    return OK


def cmd_fetch(args) -> int:
    from geodata.ingest.fetch import FetchError, fetch_boundaries

    settings = _settings(args)
    catalog = open_catalog(settings)
    try:
        paths = fetch_boundaries(args.country, levels=args.levels, url_template=args.url_template,
                                 cache=args.cache, progress=Progress(args.quiet))
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return DOWNLOAD
    status = OK
    for path in paths:
        try:
            outcome = ingest_file(path, "boundaries", catalog, report_root=reports_root(catalog, settings))
        except OSError as exc:
            _error(exc)
            return UNWRITABLE
        except (UnreadableFileError, SchemaError, GeodataError) as exc:
            _error(exc)
            return REFUSED
        print(outcome.result.report.summary())
        status = max(status, QUARANTINED if outcome.result.quarantined else OK)
    return status


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m geodata", description="Import and manage conflict-map datasets.",
                                  epilog=EPILOG)
    top.add_argument("--data", type=Path, help="data folder (default: $CONFLICT_MAP_DATA or ./data); "
                     "CONFLICT_MAP_DATABASE_URL selects PostGIS instead")
    top.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="import a file (validated; bad rows quarantined with reasons)")
    p.add_argument("file", type=Path)
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--dataset", help="dataset name: ASCII letters, digits, - and _, at most 64, starting with a "
                   "letter or digit, not reserved (default: from the file name); an existing one is upserted")
    p.add_argument("--title")
    p.add_argument("--mapping", type=Path, help="column mapping (JSON) for --format csv")
    p.add_argument("--delete", type=Path, help="deletion list (CSV with event_id_cnty) to remove events")
    p.add_argument("--crs", help="CRS of a shapefile without .prj, e.g. EPSG:32637")
    p.add_argument("--table", choices=("incidents", "displacement"), help="for hxl/csv: which table")
    p.add_argument("--fix-swapped", action="store_true", help="swap back coordinates that look swapped")
    p.add_argument("--source", help="for hxl: the source of rows that name none (e.g. 'OCHA Syria')")
    p.add_argument("--source-url", help="for hxl: the source's web address for rows that give none")
    p.add_argument("--country", help="for hxl: the country of rows that name none (name or ISO code), "
                   "used to check every point")
    p.set_defaults(run=cmd_import)

    sub.add_parser("list", help="list stored datasets").set_defaults(run=cmd_list)
    for name, run, text in (("show", cmd_show, "describe a dataset"), ("remove", cmd_remove, "delete a dataset")):
        p = sub.add_parser(name, help=text)
        p.add_argument("name")
        p.set_defaults(run=run)
    p = sub.add_parser("report", help="the last import report of a dataset")
    p.add_argument("name")
    p.add_argument("--all", action="store_true", help="every report, oldest first")
    p.add_argument("--limit", type=int, default=20, help="problems shown per report")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("fetch-boundaries", help="download admin boundaries for a country (needs the internet)")
    p.add_argument("country", help="ISO 3166 alpha-3 code, e.g. SYR")
    p.add_argument("--levels", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--url-template", help="download URL with {iso} / {ISO} and {level}")
    p.add_argument("--cache", type=Path, help="where downloads are kept")
    p.set_defaults(run=cmd_fetch)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except OSError as exc:  # a folder that cannot be written or read
        _error(exc)
        return UNWRITABLE
    except GeodataError as exc:  # e.g. an invalid dataset name, a damaged dataset, the database unreachable
        _error(exc)
        return REFUSED
    except MemoryError:
        _error("out of memory")
        return REFUSED
