"""Faults a production server meets, with real processes where it matters (no mocks unless the
machine cannot do the real thing):

* a gunicorn worker killed mid-request: the client gets a closed connection
  (not a hang), the other worker keeps serving, gunicorn forks a replacement;
* the dataset deleted or corrupted while the app runs: it keeps serving from
  memory (a replaced worker too: the app is preloaded), and a restart
  stops with one line naming the file and the cause, never a traceback;
* the disk filling up while a dataset or an export is written: the previous
  version stays intact, no partial file is left, the error says so.

Tests marked ``slow`` start processes (a few seconds each); ``pytest -m "not slow"``
skips them locally. The disk-full tests mount a
64 KiB tmpfs when running as root (as in CI) and otherwise simulate ENOSPC.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from geodata.catalog.parquet import read_dataset, write_dataset
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.support import REPO

START_TIMEOUT = 90


# ------------------------------------------------------------------ helpers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any CONFLICT_MAP_* setting of the developer's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLICT_MAP_")}
    env.update(extra)
    return env


def http(url: str, body: dict | None = None, timeout: float = 20) -> int:
    """Status of a GET (or a JSON POST when ``body`` is given) on a fresh connection."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def children(pid: int) -> set[int]:
    """Live child processes of ``pid`` (from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def process_holding_peer(pids: set[int], client_port: int) -> int | None:
    """Which of ``pids`` holds the server end of the TCP connection from ``client_port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == client_port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        except OSError:
            continue
        if links & inodes:
            return pid
    return None


def stop(process: subprocess.Popen) -> None:
    """Quick shutdown (gunicorn's SIGINT: no graceful wait for keep-alive connections)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_gunicorn(dataset: Path, port: int, log: Path, workers: int = 2) -> subprocess.Popen:
    env = clean_env(CONFLICT_MAP_DATASET=str(dataset), CONFLICT_MAP_WORKERS=str(workers),
                    CONFLICT_MAP_BIND=f"127.0.0.1:{port}")
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def timeline_body(base: str) -> dict:
    """A valid timeline callback request, built from the app's own dependency list."""
    with urllib.request.urlopen(base + "/_dash-dependencies", timeout=20) as response:
        spec = next(d for d in json.loads(response.read()) if "timeline.figure" in d["output"])
    pairs = [key.rsplit(".", 1) for key in spec["output"].strip(".").split("...")]
    outputs = [{"id": i, "property": p} for i, p in pairs]
    return {"output": spec["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [{**i, "value": None} for i in spec["inputs"]],
            "state": [{**s, "value": None} for s in spec.get("state", [])],
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}


def small_dataset(folder: Path, n: int = 2000, title: str = "Synthetic") -> str:
    return write_dataset(dataset_from_incidents(synthetic_incidents(n), name=folder.name, title=title), folder)


# ------------------------------------------------------------------ a running gunicorn
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn with 2 workers over a small stored dataset of its own (the tests below damage it)."""
    root = tmp_path_factory.mktemp("faults")
    dataset = root / "served"
    small_dataset(dataset)
    port = free_port()
    log = root / "gunicorn.log"
    process = start_gunicorn(dataset, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        def ready():
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {log.read_text()[-2000:]}")
            try:
                return http(base + "/", timeout=5) == 200
            except OSError:
                return False
        assert wait_until(ready, START_TIMEOUT, 0.25), log.read_text()[-2000:]
        assert wait_until(lambda: len(children(process.pid)) == 2, 20), "two workers expected"
        yield {"base": base, "master": process.pid, "dataset": dataset, "log": log, "body": timeline_body(base)}
    finally:
        stop(process)


@pytest.mark.slow
def test_a_worker_killed_mid_request_is_replaced_and_the_others_keep_serving(server):
    base, master, body = server["base"], server["master"], server["body"]
    assert http(base + "/_dash-update-component", body) == 200
    workers = children(master)

    # A request stuck half-way through its body: some worker is reading it when it is killed.
    client = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10)
    client.sendall(b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"output\": ")
    victim = wait_until(lambda: process_holding_peer(workers, client.getsockname()[1]), 10)
    assert victim in workers, "no worker picked up the half-sent request"
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()

    # The client learns at once that its connection is gone (no hang until a timeout).
    try:
        assert client.recv(100) == b""
    except ConnectionResetError:
        pass
    client.close()
    assert time.monotonic() - killed_at < 5

    # Meanwhile and afterwards every new request is answered (by the other worker, then the new one).
    statuses = [http(base + "/_dash-update-component", body) for _ in range(10)]
    statuses += [http(base + "/", timeout=20)]
    assert statuses == [200] * 11

    replaced = wait_until(lambda: (lambda now: now if len(now) == 2 and victim not in now else None)(
        children(master)), 30)
    assert replaced, f"gunicorn did not replace worker {victim}: {children(master)}"
    assert replaced - workers, "a new worker process was forked"
    statuses = [http(base + "/_dash-update-component", body) for _ in range(6)]
    assert statuses == [200] * 6
    assert "SIGKILL" in server["log"].read_text() or "killed" in server["log"].read_text().lower()


@pytest.mark.slow
def test_dataset_deleted_and_corrupted_while_running_keeps_serving_from_memory(server):
    base, master, body, dataset = server["base"], server["master"], server["body"], server["dataset"]
    (dataset / "incidents.parquet").unlink()
    (dataset / "places.parquet").write_bytes(b"\x00garbage" * 100)
    (dataset / "dataset.json").write_text("{ not json")
    assert [http(base + "/_dash-update-component", body) for _ in range(5)] == [200] * 5
    assert http(base + "/") == 200
    assert http(base + "/_dash-layout") == 200

    # A worker replaced after the damage still serves: workers fork from the preloaded app.
    workers = children(master)
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: (lambda now: len(now) == 2 and victim not in now)(children(master)), 30)
    shutil.rmtree(dataset)
    assert [http(base + "/_dash-update-component", body) for _ in range(8)] == [200] * 8


@pytest.fixture(scope="module")
def broken_datasets(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Broken dataset folders, each with the path an error must name."""
    root = tmp_path_factory.mktemp("broken")
    corrupt = root / "corrupt"
    small_dataset(corrupt, 200)
    (corrupt / "incidents.parquet").write_bytes(b"PAR1 this is not a parquet file")
    gone = root / "deleted"
    return {"corrupt": (corrupt, str(corrupt / "incidents.parquet")), "deleted": (gone, str(gone))}


def _one_line_error(stderr: str, must_name: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert len(lines) == 1, stderr[-3000:]
    assert must_name in lines[0], lines[0]
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("case", ["corrupt", "deleted"])
def test_python_app_with_a_broken_dataset_prints_one_line_and_exits(case, broken_datasets):
    folder, names = broken_datasets[case]
    result = subprocess.run([sys.executable, "app.py"], cwd=REPO, capture_output=True, text=True,
                            env=clean_env(CONFLICT_MAP_DATASET=str(folder), CONFLICT_MAP_PORT=str(free_port())),
                            timeout=START_TIMEOUT)
    assert result.returncode != 0
    line = _one_line_error(result.stderr, names)
    assert "cannot start" in line and ("damaged" in line or "not found" in line), line


@pytest.mark.slow
def test_gunicorn_with_a_broken_dataset_logs_one_clear_line_and_exits(broken_datasets, tmp_path):
    folder, names = broken_datasets["corrupt"]
    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(folder, free_port(), log)
    try:
        process.wait(START_TIMEOUT)
    finally:
        stop(process)
    output = log.read_text()
    assert process.returncode != 0
    assert "Traceback" not in output, output[-3000:]
    errors = [line for line in output.splitlines() if "cannot start" in line]
    assert errors and all(names in line for line in errors), output[-3000:]
    assert any("[ERROR]" in line for line in errors), output[-3000:]


@pytest.mark.slow
def test_gunicorn_with_a_malformed_setting_names_it_in_one_line():
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"], cwd=REPO,
                            env=clean_env(CONFLICT_MAP_MAX_INFLIGHT="lots", CONFLICT_MAP_BIND=f"127.0.0.1:{free_port()}"),
                            capture_output=True, text=True, timeout=START_TIMEOUT)
    assert result.returncode != 0
    _one_line_error(result.stdout + result.stderr, "CONFLICT_MAP_MAX_INFLIGHT")


# ------------------------------------------------------------------ a full disk
@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (root only); None where it cannot be mounted, and the test simulates ENOSPC."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        yield None
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    try:
        yield folder if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _fill_disk_for_parquet(monkeypatch, after: int = 1) -> None:
    """Simulated full disk: the ``after``-th Parquet table written and later fail with ENOSPC."""
    real = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def to_parquet(self, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            Path(path).write_bytes(b"PAR1 half")  # what a full disk leaves behind
            _enospc()
        return real(self, path, *args, **kwargs)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)


def test_write_dataset_to_a_full_disk_keeps_the_previous_version(tiny_disk, tmp_path, monkeypatch):
    root = tiny_disk or tmp_path / "simulated"
    folder = root / "data"
    previous = write_dataset(dataset_from_incidents(synthetic_incidents(20), name="data", title="v1"), folder)
    bigger = dataset_from_incidents(synthetic_incidents(20_000), name="data", title="v2")
    if tiny_disk is None:
        _fill_disk_for_parquet(monkeypatch)
    with pytest.raises(OSError) as raised:
        write_dataset(bigger, folder)
    assert raised.value.errno == errno.ENOSPC or "No space left" in str(raised.value)
    assert "no space left" in str(raised.value).lower(), "the error says what went wrong"
    kept = read_dataset(folder)
    assert kept.version == previous and kept.title == "v1" and len(kept.incidents) == 20
    assert sorted(p.name for p in root.iterdir()) == ["data"], "no half-written staging folder is left"


def test_a_full_disk_error_names_the_dataset_folder(tiny_disk, tmp_path, monkeypatch):
    root = tiny_disk or tmp_path / "simulated"
    folder = root / "data"
    write_dataset(dataset_from_incidents(synthetic_incidents(20), name="data", title="v1"), folder)
    if tiny_disk is None:
        _fill_disk_for_parquet(monkeypatch)
    with pytest.raises(Exception) as raised:
        write_dataset(dataset_from_incidents(synthetic_incidents(20_000), name="data", title="v2"), folder)
    assert str(folder) in str(raised.value)


def test_export_to_a_full_disk_fails_in_one_line_and_keeps_the_old_file(tiny_disk, tmp_path, monkeypatch,
                                                                          capsys):
    from dashboard.export import __main__ as export_cli

    dataset = tmp_path / "exported"
    small_dataset(dataset, 3000)
    out_dir = tiny_disk or tmp_path / "simulated-out"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / "incidents.csv"
    out.write_text("the previous export\n")
    if tiny_disk is None:
        monkeypatch.setattr(export_cli.os, "fdopen", lambda fd, *a, **k: (os.close(fd), _enospc())[1])
    status = export_cli.main(["--url", "http://127.0.0.1:8050/?start=2017-01-01&end=2021-12-31",
                              "--out", str(out), "--dataset", str(dataset)])
    err = capsys.readouterr().err
    assert status == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "no space left" in lines[0].lower(), err
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["incidents.csv"], "no partial temporary file is left"
