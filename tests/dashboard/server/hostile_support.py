"""Helpers for the hostile-client tests: a dataset outside Syria, callback bodies, real gunicorn and nginx.

The dataset is the synthetic incidents moved to Colombia (Antioquia), imported through the import
pipeline the app uses, so nothing here depends on the default scenario.
"""
from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from dashboard import ids
from dashboard.server.upload import run_import
from geodata.catalog.parquet import DataDirectory
from geodata.synthetic import synthetic_incidents
from tests.support import REPO, missing

sys.path.insert(0, str(REPO / "bench"))
from generate import as_acled  # noqa: E402

HEADLINE = "..{}..".format("...".join(f"{i}.children" for i in (
    ids.HEADLINE_INCIDENTS, ids.HEADLINE_INCIDENTS_WHAT, ids.HEADLINE_FATALITIES, ids.HEADLINE_FATALITIES_WHAT,
    ids.HEADLINE_DISPLACED, ids.HEADLINE_DISPLACED_WHAT, ids.HEADLINE_INCIDENTS_CHANGE,
    ids.HEADLINE_FATALITIES_CHANGE, ids.HEADLINE_DISPLACED_CHANGE)))
MAP = f"..{ids.MAP}.figure...{ids.MAP_DRAWN}.data.."


def colombia_acled(count: int, seed: int = 7):
    """An ACLED export of ``count`` incidents in Antioquia, Colombia (the synthetic points, moved there)."""
    frame = as_acled(synthetic_incidents(count, seed=seed))
    frame["longitude"] = (frame["longitude"].astype(float) - 36.75 - 75.5).round(4)
    frame["latitude"] = (frame["latitude"].astype(float) - 35.75 + 6.5).round(4)
    frame["country"], frame["iso"], frame["region"] = "Colombia", 170, "South America"
    frame["admin1"], frame["location"] = "Antioquia", "Medellin"
    frame["event_id_cnty"] = [f"COL{i + 1}" for i in range(len(frame))]
    frame["actor1"], frame["actor2"] = "Clan del Golfo", "Military Forces of Colombia (2022-)"
    return frame


def import_colombia(root: Path, count: int, name: str = "antioquia", seed: int = 7) -> DataDirectory:
    """Import :func:`colombia_acled` into the catalog at ``root`` as ``name`` (replacing what is there)."""
    catalog = DataDirectory(root)
    text = colombia_acled(count, seed).to_csv(index=False).encode()
    answer = run_import("data:text/csv;base64," + base64.b64encode(text).decode(), f"{name}.csv", "acled", name,
                        catalog)
    assert answer["ok"] and answer["imported"] == count, answer
    return catalog


def outputs_of(key: str) -> dict | list[dict]:
    pairs = [{"id": i, "property": p} for i, p in (k.rsplit(".", 1) for k in key.strip(".").split("..."))]
    return pairs if key.startswith("..") else pairs[0]


def callback_body(callback_map: dict, output: str, filter_data: dict | None = None) -> dict:
    """A well-formed body for the callback ``output``, its filter-state input set to ``filter_data``."""
    spec = callback_map[output]

    def item(entry: dict) -> dict:
        value = filter_data if (entry["id"], entry["property"]) == (ids.FILTER, "data") else None
        return {"id": entry["id"], "property": entry["property"], "value": value}

    return {"output": output, "outputs": outputs_of(output), "inputs": [item(e) for e in spec["inputs"]],
            "state": [item(e) for e in spec.get("state", [])],
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}


def headline_count(answer: dict) -> str:
    """The incident count a headline callback answered (the text a user reads)."""
    return str(answer["response"][ids.HEADLINE_INCIDENTS]["children"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(url: str, body: bytes | None = None, timeout: float = 30.0, headers: dict | None = None):
    """(status, headers, bytes) of one request on a fresh connection; errors are answers too."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited ({process.returncode}): {log.read_text()[-3000:]}")
        try:
            if http(url, timeout=2)[0] < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout} s: {log.read_text()[-3000:]}")


def start_gunicorn(data: Path, log: Path, *, workers: int = 2, **env: str) -> tuple[subprocess.Popen, str]:
    """gunicorn with the shipped gunicorn.conf.py over the catalog ``data``, on a free loopback port."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "CONFLICT_MAP_DATABASE_URL"}  # unless ``env`` sets it
    environment.update({"CONFLICT_MAP_DATA": str(data), "CONFLICT_MAP_BIND": f"127.0.0.1:{port}",
                        "CONFLICT_MAP_WORKERS": str(workers), "CONFLICT_MAP_CACHE": "off", **env})
    out = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py"),
                                "--access-logfile", "/dev/null", "app:server"], cwd=REPO, env=environment,
                               stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/import/", process, log)
    except BaseException:
        stop(process)
        raise
    return process, base


def start_nginx(state: Path, upstream: str) -> tuple[subprocess.Popen, str]:
    """The shipped nginx configuration (deploy/), rendered for ``upstream``, in the foreground on a free port."""
    sys.path.insert(0, str(REPO / "deploy"))
    from proxy import NGINX, nginx_command, render

    if not os.access(NGINX, os.X_OK):
        missing("nginx is not installed (make nginx, or apt-get install nginx-light)")

    from dashboard.config import Config

    port = free_port()
    conf = render(f"127.0.0.1:{port}", state, Config.from_env({}), upstream=upstream)
    process = subprocess.Popen(nginx_command(conf, "-g", "daemon off;"), stdout=subprocess.DEVNULL,
                               stderr=(state / "stderr.log").open("wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/import/", process, state / "stderr.log", timeout=20)
    except BaseException:
        stop(process)
        raise
    return process, base


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def post_json(url: str, body: dict, timeout: float = 30.0):
    status, headers, data = http(url, json.dumps(body).encode(), timeout=timeout)
    return status, headers, data
