"""Load test of the production server: gunicorn over 10^6 incidents, driven open-loop on 127.0.0.1.

    python bench/load_test.py                          # 2 workers, 20/s and 50/s, 4x overload, recovery
    python bench/load_test.py --workers 3 --rates 20 50 --duration 30
    python bench/load_test.py --url http://127.0.0.1:8050   # a server that is already running

It starts ``gunicorn -c gunicorn.conf.py app:server`` (``CONFLICT_MAP_DATASET``
pointing at a synthetic stored dataset, generated with bench/generate.py if
missing; ``CONFLICT_MAP_WORKERS``), waits until it answers, then replays
the filter callbacks a browser sends when an analyst changes the filter:
the map, timeline and headline callbacks, with date windows from a week to
the whole period and with or without a type filter.

The request bodies are built from the app's own ``/_dash-dependencies``
(which inputs and state each callback takes) and ``/_dash-layout`` (the
initial value of each of them, the date bounds, the event types), so they
stay valid as the UI evolves; only the filter store's value is varied.

Open loop: requests are sent at their scheduled times whatever the
server's answers (a slow server gets no respite, as with real users), and
latency is measured from the scheduled time, so a client-side wait counts
too. Arrivals are Poisson; with ``--pattern action`` (default) each arrival
is one filter change sending the three callbacks at once, as the browser
does. Phases: each rate of ``--rates``, then ``--overload`` times the
highest, then a recovery phase at the lowest.

For each phase it prints throughput (answers per second), p50/p95/p99
latency of successful answers, the same for refusals (503/429), status-code
counts and errors (timeouts, broken connections). The client runs on the
same machine as the server and takes some of its CPU.

The client is httpx's ``AsyncClient`` (requirements-dev.txt): HTTP/1.1
with keep-alive, as a browser, to loopback addresses only. It asks for no
compression, so the server's time to compress is not in the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import ids  # noqa: E402  (constants only: no Dash import)

CALLBACK_PATH = "/_dash-update-component"
#: (share of filter changes, window length in days; None = the whole period)
WINDOWS = ((0.2, 7), (0.3, 30), (0.25, 90), (0.15, 365), (0.1, None))
TYPE_FILTER_SHARE = 0.4
LOOPBACK = ("127.", "localhost", "[::1]", "::1")


# ------------------------------------------------------------------ the HTTP client
def loopback(base: str) -> str:
    """``base``, if it is on this machine: a load test must not hammer anyone else's server."""
    host = urlsplit(base).hostname or ""
    if not host.startswith(LOOPBACK):
        raise SystemExit(f"load tests target this machine only (loopback), not {host}")
    return base


def make_client(base: str, max_connections: int = 512, idle: float = 3.0) -> httpx.AsyncClient:
    """HTTP/1.1 with keep-alive: an idle connection reused, else a new one opened.

    ``max_connections`` bounds the open connections (a request finding none
    waits, and that wait counts in its latency); connections idle longer
    than ``idle`` seconds are dropped before the server's keep-alive (5 s)
    closes them. No timeout of its own (the caller's ``asyncio.wait_for``
    bounds the whole request), no proxy, no compression asked for.
    """
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                          keepalive_expiry=idle)
    client = httpx.AsyncClient(base_url=loopback(base), limits=limits, timeout=None, trust_env=False,
                               headers={"Content-Type": "application/json", "Accept": "application/json"})
    del client.headers["Accept-Encoding"]
    return client


async def post(client: httpx.AsyncClient, path: str, body: bytes) -> int:
    """Status of one POST; the whole answer is read (its transfer counts in the latency) and dropped."""
    return (await client.post(path, content=body)).status_code


def error_label(exc: httpx.TransportError) -> str:
    """A failed connect by its innermost OSError (ConnectionRefusedError, ...), any other broken exchange as
    "connection": the labels the report had before httpx."""
    label, cause = "connection", exc.__cause__ or exc.__context__
    while isinstance(exc, httpx.ConnectError) and cause is not None:
        if isinstance(cause, OSError):
            label = type(cause).__name__
        cause = cause.__cause__ or cause.__context__
    return label


def get_json(base: str, path: str, timeout: float = 30) -> Any:
    response = httpx.get(base + path, timeout=timeout, trust_env=False)
    response.raise_for_status()
    return response.json()


# ------------------------------------------------------------------ the workload, from the app itself
def layout_props(layout: Any) -> dict[str, dict]:
    """Props of every component of the layout that has a string id."""
    found: dict[str, dict] = {}
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                if isinstance(props.get("id"), str):
                    found[props["id"]] = props
                stack.extend(v for v in props.values() if isinstance(v, (list, dict)))
    return found


def _output_keys(output: str) -> list[str]:
    """``component.property`` of each output of a callback (``a.b`` or ``..a.b...c.d..``)."""
    return output[2:-2].split("...") if output.startswith("..") else [output]


def _outputs(output: str) -> dict | list[dict]:
    """Dash's ``outputs`` field for an output key (``a.b`` or ``..a.b...c.d..``)."""
    pairs = [key.rsplit(".", 1) for key in _output_keys(output)]
    outputs = [{"id": i, "property": p.split("@")[0]} for i, p in pairs]
    return outputs if output.startswith("..") else outputs[0]


@dataclass
class Workload:
    """Callback bodies for random filter changes, built from the app's dependencies and layout."""

    templates: dict[str, dict]  # name -> body with the filter value to fill in
    filter_template: dict
    bounds: tuple[date, date]
    event_types: list[str]

    @classmethod
    def from_app(cls, base: str) -> Workload:
        dependencies = get_json(base, "/_dash-dependencies")
        props = layout_props(get_json(base, "/_dash-layout"))
        filter_template = props.get(ids.FILTER, {}).get("data")
        if not isinstance(filter_template, dict):
            raise SystemExit(f"the layout has no '{ids.FILTER}' store with a filter value to vary")
        picker = props.get(ids.DATE_PICKER, {})
        bounds = (date.fromisoformat(picker["min_date_allowed"][:10]),
                  date.fromisoformat(picker["max_date_allowed"][:10]))
        types = [o["value"] if isinstance(o, dict) else o for o in props.get(ids.EVENT_TYPES, {}).get("options", [])]
        wanted = {"map": f"{ids.MAP}.figure", "timeline": f"{ids.TIMELINE}.figure",
                  "headline": f"{ids.HEADLINE_INCIDENTS}.children"}
        templates = {}
        for name, key in wanted.items():
            spec = next((d for d in dependencies if key in _output_keys(d["output"])), None)
            if spec is None:
                raise SystemExit(f"no callback outputs {key} (see /_dash-dependencies)")
            if not any(i["id"] == ids.FILTER for i in spec["inputs"]):
                raise SystemExit(f"the {name} callback does not take the filter store as input")

            def item(entry: dict) -> dict:
                return {"id": entry["id"], "property": entry["property"],
                        "value": props.get(entry["id"], {}).get(entry["property"])}
            templates[name] = {
                "output": spec["output"], "outputs": _outputs(spec["output"]),
                "inputs": [item(e) for e in spec["inputs"]], "state": [item(e) for e in spec.get("state", [])],
                "changedPropIds": [f"{ids.FILTER}.data"],
            }
        return cls(templates, filter_template, bounds, types)

    def filter_value(self, rng: random.Random) -> dict:
        """A filter as an analyst sets it: a window ending on a random day, sometimes a few types."""
        (_, days), = rng.choices(WINDOWS, weights=[w for w, _ in WINDOWS])
        span = (self.bounds[1] - self.bounds[0]).days
        if days is None or days > span:
            start, end = self.bounds
        else:
            end = self.bounds[0] + timedelta(days=rng.randint(days - 1, span))
            start = end - timedelta(days=days - 1)
        value = dict(self.filter_template, start=start.isoformat(), end=end.isoformat())
        if self.event_types and rng.random() < TYPE_FILTER_SHARE:
            value["event_types"] = sorted(rng.sample(self.event_types, rng.randint(1, min(3, len(self.event_types)))))
        return value

    def bodies(self, rng: random.Random) -> list[tuple[str, bytes]]:
        """(callback name, JSON body) of the three callbacks one filter change fires."""
        value = self.filter_value(rng)
        out = []
        for name, template in self.templates.items():
            inputs = [dict(i, value=value) if i["id"] == ids.FILTER else i for i in template["inputs"]]
            out.append((name, json.dumps(dict(template, inputs=inputs)).encode()))
        return out


# ------------------------------------------------------------------ phases
@dataclass
class Sample:
    callback: str
    scheduled: float  # seconds since the phase started
    latency: float  # from the scheduled time to the end of the answer
    status: int | None  # None: no answer (see error)
    error: str | None = None


async def _one(client: httpx.AsyncClient, name: str, body: bytes, scheduled: float, t0: float, timeout: float,
               samples: list[Sample]) -> None:
    try:
        status = await asyncio.wait_for(post(client, CALLBACK_PATH, body), timeout)
        samples.append(Sample(name, scheduled, time.perf_counter() - t0 - scheduled, status))
    except TimeoutError:
        samples.append(Sample(name, scheduled, timeout, None, "timeout"))
    except httpx.TransportError as exc:
        samples.append(Sample(name, scheduled, time.perf_counter() - t0 - scheduled, None, error_label(exc)))


async def run_phase(client: httpx.AsyncClient, workload: Workload, rate: float, duration: float, rng: random.Random,
                    *, pattern: str = "action", timeout: float = 10.0) -> list[Sample]:
    """Send ``rate`` requests a second for ``duration`` seconds (open loop, Poisson arrivals)."""
    per_arrival = len(workload.templates) if pattern == "action" else 1
    arrival_rate = rate / per_arrival
    times, t = [], rng.expovariate(arrival_rate)
    while t < duration:
        times.append(t)
        t += rng.expovariate(arrival_rate)
    samples: list[Sample] = []
    tasks = []
    t0 = time.perf_counter()
    for scheduled in times:
        delay = t0 + scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        bodies = workload.bodies(rng)
        if pattern != "action":
            bodies = [rng.choice(bodies)]
        for name, body in bodies:
            tasks.append(asyncio.ensure_future(_one(client, name, body, scheduled, t0, timeout, samples)))
    if tasks:
        await asyncio.wait(tasks)
    return samples


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def summarise(name: str, rate: float, duration: float, samples: list[Sample]) -> dict:
    ok = [s.latency for s in samples if s.status == 200]
    refused = [s.latency for s in samples if s.status in (429, 503)]
    answered = [s for s in samples if s.status is not None]
    last = max((s.scheduled + s.latency for s in samples), default=duration)
    return {
        "phase": name, "rate": rate, "duration": duration, "sent": len(samples),
        "throughput": len(answered) / max(last, duration), "ok_per_s": len(ok) / max(last, duration),
        "p50_ms": percentile(ok, 50) * 1e3, "p95_ms": percentile(ok, 95) * 1e3, "p99_ms": percentile(ok, 99) * 1e3,
        "max_ms": max(ok, default=math.nan) * 1e3,
        "refused_p95_ms": percentile(refused, 95) * 1e3, "refused_max_ms": max(refused, default=math.nan) * 1e3,
        "statuses": dict(sorted(Counter(str(s.status) for s in answered).items())),
        "errors": dict(Counter(s.error for s in samples if s.error)),
        "by_callback_p95_ms": {c: percentile([s.latency for s in samples if s.callback == c and s.status == 200], 95)
                               * 1e3 for c in sorted({s.callback for s in samples})},
    }


def recovery(samples: list[Sample], seconds: int = 5) -> dict:
    """How fast the server recovered: for each of the first ``seconds`` seconds of the phase, the
    refusals and errors among the requests sent in it and the p95 latency of the successful ones;
    then the refusals and errors of the rest of the phase."""
    per_second, refused = [], []
    for second in range(seconds):
        sent = [s for s in samples if second <= s.scheduled < second + 1]
        ok = [s.latency for s in sent if s.status == 200]
        per_second.append(round(percentile(ok, 95) * 1e3) if ok else None)
        refused.append(sum(s.status != 200 for s in sent))
    later = sum(s.status != 200 for s in samples if s.scheduled >= seconds)
    return {"p95_ms_by_second": per_second, "refused_by_second": refused, "refused_later": later}


def print_row(row: dict, target: float | None) -> None:
    errors = ", ".join(f"{k} {v}" for k, v in row["errors"].items()) or "none"
    statuses = " ".join(f"{k}:{v}" for k, v in row["statuses"].items()) or "-"
    verdict = ""
    if target is not None:
        verdict = f"  [target p95 <= {target:.0f} ms: {'met' if row['p95_ms'] <= target else 'NOT met'}]"
    print(f"{row['phase']:<22}{row['rate']:>6.0f}/s {row['sent']:>6} sent {row['throughput']:>6.1f} answers/s "
          f"({row['ok_per_s']:.1f} ok/s) | 200s p50 {row['p50_ms']:>6.0f} p95 {row['p95_ms']:>6.0f} "
          f"p99 {row['p99_ms']:>6.0f} max {row['max_ms']:>6.0f} ms | refusals p95 {row['refused_p95_ms']:>5.0f} "
          f"max {row['refused_max_ms']:>5.0f} ms | {statuses} | errors {errors}{verdict}")
    print(f"{'':<22}p95 by callback: " + ", ".join(f"{k} {v:.0f} ms" for k, v in row["by_callback_p95_ms"].items())
          + f"; machine load average after the phase {row.get('load_average', '?')} (1/5/15 min)")


# ------------------------------------------------------------------ the server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_dataset(path: Path, n: int) -> Path:
    if not (path / "dataset.json").exists():
        print(f"generating {n:,} synthetic incidents in {path} ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(n), "--out", str(path), "--stored"],
                       check=True)
    return path


def start_gunicorn(dataset: Path, workers: int, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    full_env = {**os.environ, **env, "CONFLICT_MAP_DATASET": str(dataset), "CONFLICT_MAP_WORKERS": str(workers),
                "CONFLICT_MAP_BIND": f"127.0.0.1:{port}"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "-c", "gunicorn.conf.py", "app:server",
               "--access-logfile", "/dev/null"]
    with open(log, "wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_ready(base: str, process: subprocess.Popen | None, timeout: float = 180) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode} before answering")
        try:
            get_json(base, "/_dash-dependencies", timeout=5)
            return time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def calibrate(client: httpx.AsyncClient, workload: Workload, rng: random.Random,
                    changes: int) -> dict[str, float]:
    """Median service time per callback, one request at a time (no queueing): what capacity to expect."""
    times: dict[str, list[float]] = {}
    for _ in range(changes):
        for name, body in workload.bodies(rng):
            started = time.perf_counter()
            status = await post(client, CALLBACK_PATH, body)
            if status == 200:
                times.setdefault(name, []).append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1e3 for name, values in times.items()}


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ------------------------------------------------------------------ main
async def drive(base: str, args: argparse.Namespace) -> list[dict]:
    workload = Workload.from_app(base)
    rng = random.Random(args.seed)
    client = make_client(base, args.max_connections)
    targets = dict(zip(args.rates, args.targets, strict=False)) if args.targets else {}
    print(f"workload: {', '.join(workload.templates)} callbacks; dates {workload.bounds[0]} to "
          f"{workload.bounds[1]}; {len(workload.event_types)} event types; pattern {args.pattern}")
    await run_phase(client, workload, args.rates[0], args.warmup, rng, pattern=args.pattern, timeout=args.timeout)
    service = await calibrate(client, workload, rng, args.calibrate)
    mean = statistics.mean(service.values())
    print("service time, one request at a time (median): "
          + ", ".join(f"{k} {v:.0f} ms" for k, v in service.items())
          + f"; so {os.cpu_count()} cores serve about {(os.cpu_count() or 1) * 1e3 / mean:.0f} req/s at best"
          + f" (load average {load_average()})")
    rows = []
    phases = [(f"steady {rate:g}/s", rate, args.duration, targets.get(rate)) for rate in args.rates]
    top = max(args.rates) * args.overload
    phases.append((f"overload {args.overload:g}x", top, args.overload_duration, None))
    phases.append(("recovery", min(args.rates), args.recovery_duration, targets.get(min(args.rates))))
    for name, rate, duration, target in phases:
        samples = await run_phase(client, workload, rate, duration, rng, pattern=args.pattern, timeout=args.timeout)
        row = summarise(name, rate, duration, samples)
        row["load_average"] = load_average()
        if name == "recovery":
            row.update(recovery(samples))
        rows.append(row)
        print_row(row, target)
        if name == "recovery":
            print(f"{'':<22}recovery, second by second: p95 "
                  + ", ".join("-" if v is None else f"{v} ms" for v in row["p95_ms_by_second"])
                  + "; refusals/errors " + ", ".join(map(str, row["refused_by_second"]))
                  + f", then {row['refused_later']} in the remaining {duration - 5:g} s")
        await asyncio.sleep(args.pause)
    await client.aclose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open-loop load test of the gunicorn server on 127.0.0.1.")
    parser.add_argument("--url", help="test a server already running here instead of starting gunicorn")
    parser.add_argument("--dataset", type=Path, default=Path("/tmp/conflict-map-load-1m"))
    parser.add_argument("--n", type=int, default=1_000_000, help="incidents to generate if --dataset is missing")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CONFLICT_MAP_WORKERS", "2")))
    parser.add_argument("--rates", type=float, nargs="+", default=[20.0, 50.0])
    parser.add_argument("--targets", type=float, nargs="+", default=[100.0, 250.0],
                        help="p95 targets in ms, one per rate")
    parser.add_argument("--overload", type=float, default=4.0, help="overload phase: this times the highest rate")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per steady phase")
    parser.add_argument("--overload-duration", type=float, default=20.0)
    parser.add_argument("--recovery-duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--calibrate", type=int, default=10, help="filter changes sent one request at a time")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between phases")
    parser.add_argument("--pattern", choices=("action", "single"), default="action",
                        help="action: each arrival sends the 3 callbacks of one filter change; single: one each")
    parser.add_argument("--timeout", type=float, default=10.0, help="client timeout per request, seconds")
    parser.add_argument("--max-connections", type=int, default=512)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--server-env", nargs="*", default=[], metavar="NAME=VALUE",
                        help="extra environment for gunicorn, e.g. CONFLICT_MAP_MAX_INFLIGHT=1")
    args = parser.parse_args(argv)

    process = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        dataset = ensure_dataset(args.dataset, args.n)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"conflict-map-load-{port}.log"
        extra = dict(item.split("=", 1) for item in args.server_env)
        process = start_gunicorn(dataset, args.workers, port, extra, log)
        print(f"gunicorn: {args.workers} worker(s) on {base}, dataset {dataset}, log {log}"
              + (f", {' '.join(args.server_env)}" if args.server_env else ""))
    try:
        ready = wait_ready(base, process)
        print(f"server ready after {ready:.1f} s; {os.cpu_count()} CPU(s) shared by server and client")
        rows = asyncio.run(drive(base, args))
    finally:
        if process is not None:
            stop(process)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
