"""Entry point: ``python app.py`` for a local server, ``gunicorn app:server`` in production
(``gunicorn -c gunicorn.conf.py app:server``). Configuration: environment variables, see
``dashboard/config.py``."""
from dashboard.app import create_app
from dashboard.config import Config

config = Config.from_env()
app = create_app(config=config)
server = app.server

if __name__ == "__main__":
    app.run(host=config.host, port=config.port, debug=config.debug, dev_tools_disable_version_check=True)
