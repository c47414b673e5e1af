"""The console commands: `medreg demo`, `demo accounts`, `serve`, `worker` and the dash-to-underscore CLI."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from medreg.accounts.choices import Role
from medreg.accounts.models import Authority
from medreg.demo import builder


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def small_demo(db):
    return run("demo", "--small")


def test_demo_prints_the_readme_journey_and_is_idempotent(small_demo):
    assert "李明华" in small_demo and builder.NEWCOMER_ID in small_demo
    assert "昆明市第一人民医院" in small_demo and "km1h_admin" in small_demo
    authorities = Authority.objects.count()
    second = run("demo")
    assert "已存在" in second
    assert Authority.objects.count() == authorities


def test_demo_accounts_json_lists_accounts_that_can_log_in(small_demo):
    rows = json.loads(run("demo", "accounts", "--json"))
    assert rows and {"username", "password", "role"} <= set(rows[0])
    for row in rows:
        assert ("authority" in row) != ("institution" in row)
        user = authenticate(username=row["username"], password=row["password"])
        assert user is not None, row["username"]
    by_authority: dict[str, set[str]] = {}
    for row in rows:
        if "authority" in row:
            by_authority.setdefault(row["authority"], set()).add(row["role"])
    assert "国家卫生健康委员会" in by_authority
    staff_roles = {Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISION, Role.AUTHORITY_ADMIN}
    assert all(roles == staff_roles for roles in by_authority.values())
    assert len(by_authority) == Authority.objects.count()
    assert sum(r["role"] == "institution_admin" for r in rows) == builder.SMALL.institutions
    statuses = {r.get("application_status") for r in rows if r["role"] == "physician"}
    assert {"draft", "approved", "withdrawn"} <= statuses


def test_demo_accounts_table_and_newcomers(small_demo):
    table = run("demo", "accounts")
    assert table.splitlines()[0].startswith("username") and "km_clerk" in table
    newcomers = json.loads(run("demo", "newcomers", "--json"))
    assert newcomers[0] == {"name": "李明华", "id_number": builder.NEWCOMER_ID, "profession": "physician",
                            "phone": builder.NEWCOMER_PHONE}


def test_demo_accounts_without_a_demo_is_a_clear_error(db):
    with pytest.raises(CommandError, match="medreg demo"):
        run("demo", "accounts", "--json")


def test_demo_scale_imports_into_the_existing_province(small_demo):
    from medreg.people.models import PracticeRegistration

    before = PracticeRegistration.objects.count()
    out = run("demo", "--scale", "30")
    assert PracticeRegistration.objects.count() == before + 30
    assert "医师 18" in out and "护士 12" in out


def test_serve_refuses_unapplied_migrations(db, monkeypatch):
    from medreg.core.management.commands import serve

    monkeypatch.setattr(serve, "unapplied_migrations", lambda *a, **k: ["people.0009_new"])
    started = []
    monkeypatch.setattr(serve.Command, "_start_worker", lambda self: started.append(1))
    with pytest.raises(CommandError, match="medreg migrate"):
        run("serve")
    assert not started


def test_serve_runs_waitress_and_stops_its_worker(db, monkeypatch):
    import waitress

    from medreg.core.management.commands import serve

    class FakeProc:
        pid = 4242
        terminated = False

        def poll(self):
            return 0 if self.terminated else None

        def wait(self, timeout=None):
            return 0

        def terminate(self):
            self.terminated = True

    proc = FakeProc()
    calls = {}
    monkeypatch.setattr(serve.subprocess, "Popen", lambda cmd, env=None: calls.setdefault("cmd", cmd) and proc)
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.setdefault("serve", kw))
    out = run("serve", "--host", "127.0.0.1", "--port", "8123", "--threads", "4")
    assert calls["cmd"][-3:] == ["medreg.cli", "worker", "--no-startup-delay"]
    assert calls["serve"]["host"] == "127.0.0.1" and calls["serve"]["port"] == 8123 and calls["serve"]["threads"] == 4
    assert "http://127.0.0.1:8123/" in out
    assert proc.terminated


def test_serve_with_granian_passes_processes_and_threads(db, monkeypatch):
    import granian


    seen = {}

    class FakeGranian:
        def __init__(self, target, **kw):
            seen.update(kw, target=target)

        def serve(self):
            seen["served"] = True

    monkeypatch.setattr(granian, "Granian", FakeGranian)
    out = run("serve", "--no-worker", "--server", "granian", "--processes", "3", "--threads", "5", "--port", "8124")
    assert seen["target"] == "config.wsgi:application" and seen["served"]
    assert (seen["workers"], seen["blocking_threads"], seen["port"]) == (3, 5, 8124)
    assert str(seen["interface"].value) == "wsgi" and "granian, 3 processes × 5 threads" in out


def test_granian_serves_the_django_application(tmp_path):
    """A real granian process answers through Django (a static file WhiteNoise serves from the apps)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "ALLOWED_HOSTS": "127.0.0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port",
                             str(port), "--workers", "1", "--no-ws", "config.wsgi:application"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = b""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/vendor/htmx.min.js", timeout=2) as r:
                    assert r.status == 200
                    body = r.read()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                time.sleep(0.2)
        assert b"htmx" in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_defaults_come_from_the_environment(monkeypatch):
    from medreg.core.management.commands.serve import Command

    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9001")
    options = Command().create_parser("medreg", "serve").parse_args([])
    assert (options.host, options.port) == ("0.0.0.0", 9001)


def test_worker_listens_on_every_queue_without_reloading():
    from medreg.core.management.commands.worker import Command

    parser = Command().create_parser("medreg", "worker")
    assert parser.get_default("queue_name") == "*" and parser.get_default("reload") is False


def test_the_console_script_accepts_dashes(db, capsys):
    from medreg.cli import main

    main(["audit-verify", "--skip-checks"])
    assert "audit chain intact" in capsys.readouterr().out
