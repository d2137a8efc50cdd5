"""Entry point: ``python app.py`` for a local server, ``gunicorn app:server`` in production
(``gunicorn -c gunicorn.conf.py app:server``). Configuration: environment variables, see
``dashboard/config.py``.

A bad setting or an unreadable dataset stops the start with one line that
names the variable or file and the cause (no traceback): ``python app.py``
prints it and exits with status 2; under gunicorn it is logged on
``gunicorn.error`` and raised as a ``RuntimeError``, which gunicorn reports
as one ``Error:`` line before exiting non-zero.
"""
import logging
import sys

from dash import Dash

from dashboard.app import create_app
from dashboard.config import Config, ConfigError
from dashboard.server.site import Site
from geodata.model.errors import GeodataError


class StartupError(RuntimeError):
    """The app cannot start; the message is one line naming the file or variable and the cause."""


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
    more = f" (and {len(lines) - 1} more line(s))" if len(lines) > 1 else ""
    return lines[0] + more


def build() -> tuple[Config, Dash, Site]:
    """(config, default Dash app, the whole site) from the environment; :class:`StartupError` if
    they cannot be had."""
    try:
        config = Config.from_env()
        app = create_app(config=config)
        return config, app, Site(config, default=app)
    except (ConfigError, GeodataError, OSError) as exc:
        raise StartupError(f"conflict-map cannot start: {_one_line(exc)}") from None


try:
    config, app, site = build()
except StartupError as exc:
    if __name__ == "__main__":
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    logging.getLogger("gunicorn.error").error("%s", exc)
    raise

#: The WSGI application: the default dataset at /, stored datasets at /datasets/<name>/, /import/.
server = site

if __name__ == "__main__":
    if config.debug:  # Dash's dev tools serve the default dataset only
        app.run(host=config.host, port=config.port, debug=True, dev_tools_disable_version_check=True)
    else:
        from werkzeug.serving import run_simple

        print(f"conflict-map on http://{config.host}:{config.port}/ (import your data at /import/)")
        from dashboard.server.heap import freeze_long_lived

        freeze_long_lived()  # the apps and stores, built: out of the garbage collector's way
        site.start_warm_ups()
        run_simple(config.host, config.port, server, threaded=True)
