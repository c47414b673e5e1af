"""Two MedReg instances: a "province" (a subprocess serving its own SQLite database) and the "national"
one (this test's database) pulling the province's mCSD ``_history`` with a stored cursor."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.exchange import selectors, sync
from medreg.exchange.models import MirroredResource, SyncSource

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Province:
    """The province instance: its own database file, its own server process."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "medreg.exchange.tests.province_settings",
                    "DATABASE_URL": f"sqlite:///{tmp / 'province.sqlite3'}", "MEDREG_VAR_DIR": str(tmp),
                    "MEDREG_ENV": "development", "PYTHONPATH": str(ROOT)}
        self.server: subprocess.Popen | None = None

    def run(self, *args: str) -> str:
        out = subprocess.run([sys.executable, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout

    def drive(self, *args: str) -> dict:
        lines = [ln for ln in self.run("-m", "medreg.exchange.tests.province_driver", *args).splitlines()
                 if ln.startswith("{")]
        return json.loads(lines[-1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir/r4/"

    def start(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "medreg.cli", "serve", "--no-worker", "--port", str(self.port)],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "metadata", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("the province instance did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()


@pytest.fixture
def province(tmp_path):
    p = Province(tmp_path)
    p.run("-m", "medreg.cli", "migrate", "--run-syncdb", "--verbosity", "0")
    p.setup = p.drive("setup")
    p.start()
    yield p
    p.stop()


def _mirror(resource_type: str, resource_id: str) -> MirroredResource | None:
    return MirroredResource.objects.filter(resource_type=resource_type, resource_id=resource_id).first()


def test_province_changes_reach_the_national_instance_without_duplicates(db, province):
    reg, person, name = province.setup["registration"], province.setup["person"], province.setup["name"]
    # the national instance registers the province and pulls
    source = sync.add_source(province.base, name="云南省", acting_user=None)
    totals = sync.pull_source(source.pk, acting_user=None)
    assert totals["created"] > 0 and totals["pages"] >= 1
    # a registration approved in the province appears nationally
    [practitioner] = selectors.mirrored_practitioners_named(name)
    assert practitioner["active"] is True and practitioner["id"] == str(person)
    role = _mirror("PractitionerRole", f"r{reg}")
    assert role is not None and not role.deleted
    source.refresh_from_db()
    first_cursor = source.cursor
    assert first_cursor is not None and source.pulls == 1
    assert AuditEvent.objects.filter(event_type=EventType.SYNC_PULLED).count() == 1

    # a cancellation in the province propagates
    province.drive("cancel", str(reg))
    sync.pull_source(source.pk, acting_user=None)
    role = _mirror("PractitionerRole", f"r{reg}")
    assert role.deleted and role.content == {}
    assert _mirror("Practitioner", str(person)).content["active"] is False
    assert not selectors.mirrored("PractitionerRole").filter(resource_id=f"r{reg}").exists()
    source.refresh_from_db()
    assert source.cursor >= first_cursor

    # an interrupted pull (one small page, then the connection "drops") does not move the cursor ...
    rows_before = MirroredResource.objects.count()
    versions_before = dict(MirroredResource.objects.values_list("resource_id", "version_id"))
    SyncSource.objects.filter(pk=source.pk).update(cursor=None)  # replay everything from the start
    partial = sync.pull_source(source.pk, acting_user=None, max_pages=1, page_size=3)
    assert partial["pages"] == 1
    assert SyncSource.objects.get(pk=source.pk).cursor is None
    # ... and the repeated pull replays the whole history without duplicating anything
    again = sync.pull_source(source.pk, acting_user=None, page_size=3)
    assert again["pages"] > 1 and again["created"] == 0 and again["updated"] == 0
    assert MirroredResource.objects.count() == rows_before
    assert dict(MirroredResource.objects.values_list("resource_id", "version_id")) == versions_before
    keys = list(MirroredResource.objects.values_list("source", "resource_type", "resource_id"))
    assert len(keys) == len(set(keys))


def test_unreachable_source_keeps_its_cursor_and_records_the_error(db):
    source = sync.add_source(f"http://127.0.0.1:{_free_port()}/fhir/r4", acting_user=None)
    with pytest.raises(OSError):
        sync.pull_source(source.pk, acting_user=None)
    source.refresh_from_db()
    assert source.cursor is None and source.last_error and source.pulls == 0
