"""OpenAPI and the self-hosted docs page (no CDN: deployments run on closed government networks)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.staticfiles import finders

from medreg.api.tests.conftest import API


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"] or "")


def _docs_assets(client) -> tuple[str, list[str]]:
    r = client.get(f"{API}/docs")
    assert r.status_code == 200
    html = r.content.decode()
    parser = _Assets()
    parser.feed(html)
    return html, parser.urls


def test_docs_page_uses_only_local_static_assets(client):
    html, urls = _docs_assets(client)
    assert urls, "the docs page should load Swagger UI"
    for url in urls:
        assert url.startswith(settings.STATIC_URL), url
    hosts = set(re.findall(r"""(?:https?:)?//([^/\s"'<>]+)""", html))
    assert hosts <= {"testserver"}, hosts
    assert "cdn" not in html.lower()
    config = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert config["url"] == f"{API}/openapi.json"
    assert config["validatorUrl"] is None  # Swagger UI would otherwise call validator.swagger.io


def test_docs_assets_are_served_from_this_installation(client):
    assert "ninja" in settings.INSTALLED_APPS
    _html, urls = _docs_assets(client)
    for url in urls:
        assert finders.find(url[len(settings.STATIC_URL):]), url


def test_openapi_describes_every_endpoint_and_problem_errors(db, client):
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    paths = schema["paths"]
    for path in ("/auth/token", "/items", "/items/{code}", "/applications", "/applications/{application_id}",
                 "/applications/{application_id}/attachments", "/me", "/me/licences", "/institutions", "/verify",
                 "/reference/{table}", "/divisions"):
        assert f"{API}{path}" in paths, path
    from medreg.applications import services

    for action in services.OPERATIONS:  # every workflow operation has its endpoint
        assert f"{API}/applications/{{application_id}}/actions/{action}" in paths, action
    review = paths[f"{API}/applications/{{application_id}}/actions/review"]["post"]
    body = review["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ReviewIn")
    assert "application/problem+json" in review["responses"]["404"]["content"]
    assert {"TokenAuth", "BrowserSessionAuth"} <= set(schema["components"]["securitySchemes"])
    assert "security" not in paths[f"{API}/verify"]["post"]


def test_a_failed_token_request_is_audited(db, client):
    from medreg.audit.choices import EventType
    from medreg.audit.models import AuditEvent

    r = client.post(f"{API}/auth/token", {"username": "nobody", "password": "wrong"}, content_type="application/json")
    assert r.status_code == 401
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED, subject_id="nobody").count() == 1
