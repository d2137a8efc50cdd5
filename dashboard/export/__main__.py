"""Regenerate a briefing or a data file from a shared view link, e.g. in a nightly script.

    python -m dashboard.export --url 'http://127.0.0.1:8050/?start=2020-02-27&end=2020-02-27' --out pack.zip

The format follows ``--out``'s extension: ``.png`` or ``.pdf`` (briefing),
``.csv`` (plain; its provenance is written beside it as ``<name>.provenance.txt``) or ``.geojson``
(the filtered incidents), ``.zip`` (the briefing pack: both briefings, CSV, GeoJSON, summary,
provenance), ``.gif`` or ``.mp4`` (the playback of the link's dates: ``--step``, ``--mode``,
``--window``, ``--fps``; "frame i/N" on stderr as frames finish) or, with ``--storyboard``, a ``.pdf``
storyboard of that playback (one page of small multiples). The links printed use ``--public-url``
(default ``$CONFLICT_MAP_PUBLIC_URL``) with the path of ``--url``; without one they are relative,
never ``--url``'s host. Nothing is started and nothing is fetched: the dataset is read from disk (``--dataset``, else
``$CONFLICT_MAP_DATASET``, else the shipped scenario) and the map is drawn
from the app's local assets. On failure: one line on stderr, exit status 1.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from dashboard.config import Config
from dashboard.export.animation import (
    DEFAULT_FPS,
    DEFAULT_SIZE,
    PLAYBACK_FORMATS,
    STEPS,
    PlaybackOptions,
    playback_export,
)
from dashboard.export.links import parse_view_link, rebase
from dashboard.export.render import ExportError
from dashboard.export.service import (
    BRIEFING_FORMATS,
    SIDECAR,
    TABLE_FORMATS,
    briefing_export,
    pack_export,
    table_export,
)
from dashboard.export.sizes import parse_size
from dashboard.state.controls import DEFAULT_WINDOW_DAYS, WINDOW_MODES
from dashboard.state.mapview import opening_view
from geodata import DEFAULT_DATASET, GeodataError, IncidentStore

EXTENSIONS = {".png": "png", ".pdf": "pdf", ".csv": "csv", ".geojson": "geojson", ".zip": "zip", ".gif": "gif",
              ".mp4": "mp4"}
#: A script can wait longer than an analyst at the screen.
CLI_TIMEOUT = 180.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the view's link, as the app shares it")
    parser.add_argument("--out", required=True, type=Path,
                        help="output file: .png, .pdf, .csv (+ .provenance.txt), .geojson or .zip (briefing pack)")
    parser.add_argument("--public-url", default=None,
                        help="the site's public address for the links printed (default: $CONFLICT_MAP_PUBLIC_URL; "
                             "without one the links are relative)")
    parser.add_argument("--title", default="", help="briefing title (default: the dataset's)")
    parser.add_argument("--size", default=None, help="slide (1920x1080), a4 (300 dpi) or WIDTHxHEIGHT px "
                        "(default: slide; a playback's frames: 960x540)")
    parser.add_argument("--dataset", type=Path, default=None,
                        help="dataset folder (default: $CONFLICT_MAP_DATASET or the shipped scenario)")
    parser.add_argument("--timeout", type=float, default=CLI_TIMEOUT,
                        help=f"seconds a briefing may take to render (default {CLI_TIMEOUT:g})")
    playback = parser.add_argument_group("playback (--out .gif, .mp4, or .pdf with --storyboard)")
    playback.add_argument("--storyboard", action="store_true", help="--out .pdf is the playback's storyboard")
    playback.add_argument("--step", choices=STEPS, default="week", help="how far each frame moves (default week)")
    playback.add_argument("--mode", choices=WINDOW_MODES, default="moving",
                          help="moving: the last --window days; cumulative: from the link's start (default moving)")
    playback.add_argument("--window", type=int, default=DEFAULT_WINDOW_DAYS,
                          help=f"days a moving window shows (default {DEFAULT_WINDOW_DAYS})")
    playback.add_argument("--fps", type=float, default=DEFAULT_FPS, help=f"frames a second (default {DEFAULT_FPS:g})")
    playback.add_argument("--stamp", type=_stamp, default=None,
                          help="the UTC time printed on every frame, e.g. 2026-05-04T13:02 (default: now); "
                               "with it the same link and dataset version give the same file")
    return parser


def _stamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date and time: {text!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _frame_printer(done: int, total: int) -> None:
    print(f"frame {done}/{total}", file=sys.stderr, flush=True)


def _open_store(folder: Path | None) -> IncidentStore:
    from geodata.catalog.parquet import open_dataset

    return IncidentStore(open_dataset(folder or Config.from_env().dataset or DEFAULT_DATASET))


def _write(path: Path, content: bytes) -> None:
    """Write atomically: a reader never sees half a file, a failure leaves no partial file."""
    path = path.expanduser()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    mask = os.umask(0)
    os.umask(mask)
    try:
        os.fchmod(fd, 0o666 & ~mask)  # as a plain open() would (mkstemp makes it private)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for noisy in ("kaleido", "choreographer", "logistro"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        fmt = EXTENSIONS.get(args.out.suffix.lower())
        if fmt is None:
            raise ValueError(f"--out must end in {', '.join(EXTENSIONS)} (got {args.out.name!r})")
        if not args.out.expanduser().parent.is_dir():
            raise ValueError(f"no such folder: {args.out.parent}")
        store = _open_store(args.dataset)
        page, link_base = parse_view_link(args.url, store.date_range())
        app_url = rebase(link_base, _public_url(args.public_url))
        display = page.display()
        if page.dataset and page.dataset != store.name:
            raise ValueError(f"the link shows dataset {page.dataset!r}, but {store.name!r} was loaded "
                             "(use --dataset)")
        version = getattr(store.dataset, "version", "")
        if page.version and version and page.version != version:
            print(f"warning: the link was made from version {page.version} of {store.name}; "
                  f"this is version {version}", file=sys.stderr)
        view = page.view or opening_view(store.dataset.view, store.extent)
        if fmt == "pdf" and args.storyboard:
            fmt = "storyboard"
        if fmt in PLAYBACK_FORMATS:
            options = PlaybackOptions(step=args.step, mode=args.mode, window_days=args.window, fps=args.fps)
            result = playback_export(store, page.filter, view, fmt=fmt, options=options, title=args.title,
                                     size=parse_size(args.size) if args.size else DEFAULT_SIZE, app_url=app_url,
                                     generated_at=args.stamp, display=display, progress=_frame_printer,
                                     timeout=None if args.timeout == CLI_TIMEOUT else args.timeout)
        elif fmt in BRIEFING_FORMATS:
            if not 1 <= args.timeout <= 3600:
                raise ValueError("--timeout must be 1-3600 seconds")
            result = briefing_export(store, page.filter, view, fmt=fmt, title=args.title,
                                     size=parse_size(args.size or "slide"), app_url=app_url, timeout=args.timeout,
                                     display=display)
        elif fmt == "zip":
            result = pack_export(store, page.filter, view, title=args.title, size=parse_size(args.size or "slide"),
                                 app_url=app_url, timeout=args.timeout, display=display)
        else:
            assert fmt in TABLE_FORMATS
            result = table_export(store, page.filter, fmt=fmt, app_url=app_url, view=view, display=display)
        written = [(args.out, result.content)]
        if fmt == "csv":
            sidecar = table_export(store, page.filter, fmt=SIDECAR, app_url=app_url, view=view, display=display)
            written.append((args.out.with_name(args.out.stem + "." + SIDECAR), sidecar.content))
        for path, content in written:
            _write(path, content)
    except (ExportError, GeodataError, ValueError, OSError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return 1
    for path, content in written:
        print(f"wrote {path} ({len(content):,} bytes)")
    if "://" not in app_url:
        print("note: the links printed are relative (no --public-url or CONFLICT_MAP_PUBLIC_URL)", file=sys.stderr)
    return 0


def _public_url(given: str | None) -> str | None:
    """``--public-url`` checked as ``CONFLICT_MAP_PUBLIC_URL`` is, else that variable's value."""
    if given is None:
        return Config.from_env().public_url
    return Config.from_env({"CONFLICT_MAP_PUBLIC_URL": given}).public_url


if __name__ == "__main__":
    sys.exit(main())
