"""Who may get in, and what a stranger learns: header auth only through the configured proxy, a 401
before any dataset is looked up, security headers and no paths on the site's own errors, no-store on
data, and an export link that no request header can forge."""
from __future__ import annotations

import base64
import json

import pytest
from hostile_support import HEADLINE, callback_body, import_colombia
from werkzeug.test import Client

from dashboard import ids
from dashboard.config import Config, ConfigError
from dashboard.server.site import Site
from geodata.model.errors import GeodataError

BASIC = {"Authorization": "Basic " + base64.b64encode(b"analyst:s3cret").decode()}


class CountingCatalog:
    """A real catalog that counts every question asked of it (and can be told to fail loading)."""

    def __init__(self, catalog):
        self.catalog, self.calls, self.broken = catalog, [], False

    def __getattr__(self, name):
        attribute = getattr(self.catalog, name)
        if not callable(attribute):
            return attribute

        def counted(*args, **kwargs):
            self.calls.append(name)
            if name == "load" and self.broken:
                raise GeodataError(f"{self.catalog.root}/antioquia/incidents.parquet: damaged")
            return attribute(*args, **kwargs)
        return counted


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    return import_colombia(tmp_path_factory.mktemp("auth") / "data", 12)


def site_with(stored, **settings) -> tuple[Site, CountingCatalog]:
    catalog = CountingCatalog(stored)
    return Site(Config(**settings), catalog=catalog, preload=False), catalog


# ------------------------------------------------------------------ header auth
@pytest.mark.parametrize("settings, environ, headers, status", [
    ({}, {"REMOTE_ADDR": "127.0.0.1"}, {"X-Remote-User": "ana"}, 200),
    ({}, {"REMOTE_ADDR": "203.0.113.9"}, {"X-Remote-User": "ana"}, 401),  # straight to gunicorn, not via the proxy
    ({}, {"REMOTE_ADDR": "127.0.0.1"}, {}, 401),
    ({"trusted_proxies": ("10.0.0.0/8",)}, {"REMOTE_ADDR": "10.2.3.4"}, {"X-Remote-User": "ana"}, 200),
    ({"trusted_proxies": ("10.0.0.0/8",)}, {"REMOTE_ADDR": "127.0.0.1"}, {"X-Remote-User": "ana"}, 401),
    ({"trusted_proxies": ("10.0.0.0/8",)}, {"REMOTE_ADDR": "10.2.3.4"},
     {"X-Remote-User": "ana", "X-Forwarded-For": "10.0.0.1"}, 200),
    ({"trusted_proxies": ("10.0.0.0/8",)}, {"REMOTE_ADDR": "198.51.100.1"},
     {"X-Remote-User": "ana", "X-Forwarded-For": "10.0.0.1"}, 401),  # a forwarded-for header proves nothing
    ({"proxy_secret": "k3y"}, {"REMOTE_ADDR": "127.0.0.1"}, {"X-Remote-User": "ana"}, 401),  # secret required
    ({"proxy_secret": "k3y"}, {"REMOTE_ADDR": "127.0.0.1"},
     {"X-Remote-User": "ana", "X-Conflict-Map-Proxy-Secret": "wrong"}, 401),
    ({"proxy_secret": "k3y"}, {"REMOTE_ADDR": "198.51.100.1"},
     {"X-Remote-User": "ana", "X-Conflict-Map-Proxy-Secret": "k3y"}, 200),
])
def test_header_auth_only_through_the_configured_proxy(stored, settings, environ, headers, status):
    site, _ = site_with(stored, auth="header", **settings)
    web = Client(site)
    for path in ("/", "/datasets/antioquia/", "/import/"):
        assert web.get(path, environ_base=environ, headers=headers).status_code == status, path


def test_header_auth_needs_a_proxy_address_or_a_secret():
    with pytest.raises(ConfigError, match="CONFLICT_MAP_TRUSTED_PROXIES"):
        Config.from_env({"CONFLICT_MAP_AUTH": "header", "CONFLICT_MAP_TRUSTED_PROXIES": ""})
    with pytest.raises(ConfigError, match="not an address"):
        Config.from_env({"CONFLICT_MAP_TRUSTED_PROXIES": "10.0.0.0/8, the proxy"})
    config = Config.from_env({"CONFLICT_MAP_AUTH": "header", "CONFLICT_MAP_TRUSTED_PROXIES": "",
                              "CONFLICT_MAP_PROXY_SECRET": "k3y"})
    assert config.trusted_proxies == () and config.proxy_secret == "k3y"
    assert Config.from_env({"CONFLICT_MAP_TRUSTED_PROXIES": "10.1.2.3, fd00::/8"}).trusted_proxies == (
        "10.1.2.3/32", "fd00::/8")


# ------------------------------------------------------------------ 401 first
def test_a_stranger_gets_the_same_401_for_real_and_made_up_datasets_and_nothing_is_loaded(stored):
    site, catalog = site_with(stored, auth="basic", user="analyst", password="s3cret")
    web = Client(site)
    catalog.calls.clear()
    answers = [web.get(path) for path in ("/datasets/antioquia/", "/datasets/no-such-place/",
                                          "/datasets/antioquia/_dash-layout", "/datasets/%2e%2e/")]
    assert {a.status_code for a in answers} == {401}
    assert len({a.data for a in answers}) == 1
    assert catalog.calls == [], "the catalog was asked before the client was authenticated"
    assert web.get("/datasets/antioquia/", headers=BASIC).status_code == 200
    assert web.get("/datasets/no-such-place/", headers=BASIC).status_code == 404


# ------------------------------------------------------------------ the site's own answers
def security_headers_of(answer) -> None:
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_site_level_404_and_500_carry_headers_and_no_paths(stored, caplog):
    site, catalog = site_with(stored)
    web = Client(site)
    for path in ("/datasets/no-such-place/", "/datasets/", "/datasets/-bad-/"):
        answer = web.get(path)
        assert answer.status_code == 404, path
        security_headers_of(answer)
    catalog.broken = True
    answer = web.get("/datasets/antioquia/")
    assert answer.status_code == 500
    security_headers_of(answer)
    text = answer.get_data(as_text=True)
    assert "server log" in text and str(stored.root) not in text and "parquet" not in text
    assert str(stored.root) in caplog.text  # the operator still learns where


@pytest.mark.parametrize("path", [
    "/_dash-component-suites/no_such_package/x.js",
    "/_dash-component-suites/dash/no-such-file.js",
    "/_dash-component-suites/os/__init__.py",
    "/datasets/antioquia/_dash-component-suites/plotly/../../etc/passwd",
    "/datasets/antioquia/_dash-component-suites/dash/deps/nope.v1_0_0m1.min.js",
])
def test_unknown_component_suite_paths_are_404_with_headers(stored, path):
    site, _ = site_with(stored)
    answer = Client(site).get(path)
    assert answer.status_code == 404, answer.get_data(as_text=True)[:200]
    security_headers_of(answer)


# ------------------------------------------------------------------ data answers and links
def export_csv(web: Client, site: Site, headers: dict | None = None,
               button: str = ids.EXPORT_CSV) -> tuple[object, dict]:
    app = site.dataset_app("antioquia")
    assert app is not None
    body = callback_body(app.callback_map, f"..{ids.EXPORT_DOWNLOAD}.data...{ids.EXPORT_STATUS}.children..")
    for item in body["inputs"]:
        if item["id"] == button:
            item["value"] = 1
    body["changedPropIds"] = [f"{button}.n_clicks"]
    answer = web.post("/datasets/antioquia/_dash-update-component", data=json.dumps(body),
                      content_type="application/json", headers=headers or {})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer, answer.get_json()["response"]


def csv_link(response: dict) -> str:
    """The "View: <link>" line of an exported CSV's provenance file, as an analyst reads it."""
    download = response[ids.EXPORT_DOWNLOAD]["data"]
    text = base64.b64decode(download["content"]).decode("utf-8-sig") if download.get("base64") \
        else download["content"]
    [line] = [line for line in text.splitlines() if line.startswith("View: ")]
    return line.removeprefix("View: ")


def test_callback_answers_and_downloads_are_no_store(stored):
    site, _ = site_with(stored)
    web = Client(site)
    app = site.dataset_app("antioquia")
    assert app is not None
    answer = web.post("/datasets/antioquia/_dash-update-component", content_type="application/json",
                      data=json.dumps(callback_body(app.callback_map, HEADLINE)))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    download, _ = export_csv(web, site)
    assert download.headers["Cache-Control"] == "no-store"


def test_the_view_link_never_comes_from_the_host_header(stored):
    site, _ = site_with(stored)
    _, response = export_csv(Client(site), site, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
                             button=ids.EXPORT_PROVENANCE)
    link = csv_link(response)
    assert "evil.example" not in json.dumps(response)
    assert link.startswith("/datasets/antioquia/?start=") and "://" not in link
    assert "a path on the conflict-map server" in response[ids.EXPORT_STATUS]["children"]
    public, _ = site_with(stored, public_url="https://maps.example.org/conflict")
    _, response = export_csv(Client(public), public, headers={"Host": "evil.example"}, button=ids.EXPORT_PROVENANCE)
    assert csv_link(response).startswith("https://maps.example.org/conflict/datasets/antioquia/?start=")
    assert "evil.example" not in json.dumps(response)
    with pytest.raises(ConfigError, match="CONFLICT_MAP_PUBLIC_URL"):
        Config.from_env({"CONFLICT_MAP_PUBLIC_URL": "javascript:alert(1)"})
