"""The production front: nginx (deploy/nginx/) in front of gunicorn, rendered, started and stopped.

    python deploy/proxy.py render --listen 127.0.0.1:8080 --state /tmp/conflict-map-proxy
    python deploy/proxy.py start  --listen 127.0.0.1:8080 --state /tmp/conflict-map-proxy   # `make proxy`
    python deploy/proxy.py stop   --state /tmp/conflict-map-proxy

``render`` writes ``<state>/nginx.conf`` (from deploy/nginx/conflict-map.conf) and
``<state>/app.locations`` (from deploy/nginx/locations.conf); gunicorn's address,
the body limit and the proxy secret come from the app's own settings
(``CONFLICT_MAP_BIND``, ``CONFLICT_MAP_MAX_REQUEST_BYTES``,
``CONFLICT_MAP_PROXY_SECRET``). ``--tls-cert``/``--tls-key`` add the TLS server.
``start`` renders, checks the configuration (``nginx -t``), starts gunicorn if
its pid file names no live process, and starts nginx, or reloads it if it runs:
running it twice is harmless. Standard library only; the tests import it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Debian's nginx (in /usr/sbin, which a non-root PATH may lack).
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATES = Path(__file__).resolve().parent / "nginx"
sys.path.insert(0, str(ROOT))

from dashboard.config import Config  # noqa: E402 (after the path: the script runs from anywhere)
from dashboard.server.auth import PROXY_SECRET_HEADER  # noqa: E402


def render(listen: str, state: Path, config: Config, *, upstream: str | None = None, tls_cert: str | None = None,
           tls_key: str | None = None, tls_listen: str = "443") -> Path:
    """Write the nginx configuration for ``config`` into ``state``; return the main file's path."""
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)  # nginx's workers (www-data when started as root) write temporary bodies under it
    for value in (listen, upstream or config.bind, str(state), tls_cert or "", tls_key or "", tls_listen):
        if any(c in value for c in ";{}\n\"'"):
            raise SystemExit(f"refused: {value!r} would break the nginx configuration")
    secret = config.proxy_secret
    if secret and any(c in secret for c in ";{}\n\"'\\$"):
        raise SystemExit("CONFLICT_MAP_PROXY_SECRET: use letters, digits and -_.~+/= only")
    locations = (TEMPLATES / "locations.conf").read_text(encoding="utf-8").replace(
        "@SECRET_LINE@", f'proxy_set_header {PROXY_SECRET_HEADER} "{secret}";' if secret
        else f"# (no CONFLICT_MAP_PROXY_SECRET: the app trusts this proxy by its address; {PROXY_SECRET_HEADER})")
    main = (TEMPLATES / "conflict-map.conf").read_text(encoding="utf-8")
    for key, value in {"@LISTEN@": listen, "@UPSTREAM@": upstream or config.bind, "@STATE@": str(state),
                       "@MAX_BODY@": f"{max(config.max_request_bytes // 1000, 1)}k"}.items():
        main = main.replace(key, value)
    if tls_cert and tls_key:
        main = main.replace("#@TLS@", "").replace("@TLS_LISTEN@", tls_listen).replace(
            "@TLS_CERT@", tls_cert).replace("@TLS_KEY@", tls_key)
        main = main.replace(f"include {state}/app.locations;\n    }}",
                            "return 301 https://$host$request_uri;\n    }", 1)
    if os.geteuid() == 0:
        main = main.replace("worker_processes auto;", "user www-data;\nworker_processes auto;", 1)
    (state / "app.locations").write_text(locations, encoding="utf-8")
    path = state / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


def nginx_command(conf: Path, *args: str) -> list[str]:
    """The nginx command line for a rendered configuration (``-p`` is its state folder)."""
    return [NGINX, "-p", str(conf.parent), "-c", str(conf), *args]


def alive(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process runs, else None."""
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def start(args: argparse.Namespace, config: Config) -> None:
    state = Path(args.state)
    conf = render(args.listen, state, config, tls_cert=args.tls_cert, tls_key=args.tls_key,
                  tls_listen=args.tls_listen)
    subprocess.run(nginx_command(conf, "-t", "-q"), check=True)
    if alive(state / "gunicorn.pid") is None:
        subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--daemon",
                        "--pid", str(state / "gunicorn.pid"), "--access-logfile", str(state / "gunicorn.log"),
                        "--error-logfile", str(state / "gunicorn.log"), "app:server"], check=True, cwd=ROOT)
    if alive(state / "nginx.pid") is None:
        subprocess.run(nginx_command(conf), check=True)
    else:
        subprocess.run(nginx_command(conf, "-s", "reload"), check=True)
    for _ in range(100):  # gunicorn loads the datasets before it listens
        if alive(state / "gunicorn.pid") and alive(state / "nginx.pid"):
            break
        time.sleep(0.1)
    print(f"conflict-map on http://{args.listen}/ (nginx) -> gunicorn on {config.bind}; state in {state}")


def stop(state: Path) -> None:
    for name in ("nginx.pid", "gunicorn.pid"):
        pid = alive(state / name)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            print(f"stopped {name.split('.')[0]} ({pid})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("render", "start", "stop"))
    parser.add_argument("--listen", default="127.0.0.1:8080", help="where nginx listens (address:port)")
    parser.add_argument("--state", default="/tmp/conflict-map-proxy", help="pid files, logs, rendered config")
    parser.add_argument("--tls-cert", help="PEM certificate chain: adds the TLS server")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--tls-listen", default="443", help="where the TLS server listens")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    config = Config.from_env()
    if args.action == "render":
        print(render(args.listen, Path(args.state), config, tls_cert=args.tls_cert, tls_key=args.tls_key,
                     tls_listen=args.tls_listen))
    elif args.action == "start":
        start(args, config)
    else:
        stop(Path(args.state))


if __name__ == "__main__":
    main()
