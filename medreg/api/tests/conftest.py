"""Fixtures for the API tests: bearer tokens issued through the real service, a JSON client, and
helpers that drive the first-registration workflow up to any point.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from medreg.accounts import services as accounts
from medreg.accounts.choices import Role
from medreg.applications import services as apps
from medreg.applications.choices import Status
from medreg.demo.world import DEFAULT_PASSWORD
from medreg.people import services as people

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _api_urls(settings):
    settings.ROOT_URLCONF = "medreg.api.tests.urls"


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 28), "white").save(buf, "PNG")
    return buf.getvalue()


class ApiClient:
    """A test client speaking JSON, optionally as a bearer-token holder."""

    def __init__(self, token: str | None = None, language: str | None = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.headers["Accept-Language"] = language

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {**self.headers, **(extra or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.client.get(API + path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.client.post(API + path, json.dumps(body if body is not None else {}),
                                content_type="application/json", headers=self._headers(headers))

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.client.patch(API + path, json.dumps(body if body is not None else {}),
                                 content_type="application/json", headers=self._headers(headers))

    def upload(self, path: str, kind: str, name: str, content: bytes, content_type: str = "application/octet-stream"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        f = SimpleUploadedFile(name, content, content_type=content_type)
        return self.client.post(API + path, {"kind": kind, "file": f}, headers=self._headers(None))


def token_for(user) -> str:
    token, _row = accounts.issue_api_token(username=user.username, password=DEFAULT_PASSWORD)
    return token


@pytest.fixture
def as_user():
    """``as_user(user)`` -> an ApiClient holding a fresh bearer token for ``user``."""

    def make(user, language: str | None = None) -> ApiClient:
        return ApiClient(token_for(user), language=language)

    return make


@pytest.fixture
def anon() -> ApiClient:
    return ApiClient()


def activate(world, physician):
    aff = people.request_activation(acting_user=physician, institution_id=world.hospital.pk)
    people.send_activation_code(aff.pk, acting_user=world.hospital_admin)
    note = physician.notifications.filter(title__contains="激活码").first()
    code = note.body.split("：")[1][:6]
    return people.activate_with_code(acting_user=physician, institution_id=world.hospital.pk, code=code)


def form_data(world, physician, **overrides) -> dict[str, Any]:
    qual = physician.person.qualifications.first()
    data = {
        "qualification": qual.pk, "main_institution": world.hospital.pk, "scope_codes": ["11"],
        "education": "本科", "school": "昆明医科大学", "declaration": True,
    }
    data.update(overrides)
    return data


def draft(world, physician, **overrides):
    """A complete draft with both materials, made through the services."""
    app = apps.create_application("PHY-REG-FIRST", acting_user=physician, data=form_data(world, physician, **overrides))
    apps.add_attachment(app.pk, acting_user=physician, kind="photo", filename="p.png", content=png_bytes())
    apps.add_attachment(app.pk, acting_user=physician, kind="employment_proof", filename="e.pdf", content=PDF)
    return app


# The service calls that take an application from one status to the next, on the happy path.
STEPS = [
    (Status.SUBMITTED, lambda w, p, a: apps.submit_application(a, acting_user=p)),
    (Status.RECEIVED, lambda w, p, a: apps.confirm_by_institution(a, acting_user=w.hospital_admin)),
    (Status.ACCEPTED, lambda w, p, a: apps.accept_application(a, acting_user=w.city.users[Role.CLERK])),
    (Status.REVIEWED, lambda w, p, a: apps.review_application(
        a, acting_user=w.city.users[Role.REVIEWER], opinion="材料齐全", recommend="approve")),
    (Status.APPROVED, lambda w, p, a: apps.approve_application(a, acting_user=w.city.users[Role.APPROVER])),
]


def drive(world, physician, to: str):
    """An activated physician's application, moved through the services to status ``to``."""
    app = draft(world, physician)
    if to == Status.DRAFT:
        return app
    for status, step in STEPS:
        app = step(world, physician, app.pk)
        if status == to:
            return app
    raise ValueError(to)


@pytest.fixture
def activated(world, physician):
    activate(world, physician)
    return physician
