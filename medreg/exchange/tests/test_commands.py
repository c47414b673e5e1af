"""``medreg exchange`` subcommands: subscribe, deliver, replay and the one-off history backfill."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from medreg.exchange.models import ResourceVersion, Subscription


def _run(*args: str) -> str:
    out = StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def test_subscribe_prints_the_secret_once_and_stores_it_encrypted(world):
    out = _run("subscribe", "--name", "信用平台", "--kind", "credit", "--url", "http://127.0.0.1:9/h",
               "--topic", "registration", "--division", "53")
    sub = Subscription.objects.get()
    secret = out.split("secret ")[1].strip()
    assert sub.secret == secret and sub.topics == ["registration"] and sub.division_prefix == "53"
    with pytest.raises(CommandError):
        _run("subscribe", "--name", "x", "--kind", "nope", "--url", "ftp://x")


def test_deliver_and_replay_commands_run(world):
    assert "attempted 0" in _run("deliver")
    assert "replayed 0" in _run("replay", "--dead")
    with pytest.raises(CommandError):
        _run("replay")


def test_backfill_versions_resources_that_have_no_history(world, registration):
    ResourceVersion.objects.all().delete()  # as for data imported before the exchange app existed
    out = _run("backfill")
    types = set(ResourceVersion.objects.values_list("resource_type", flat=True))
    assert types == {"Practitioner", "PractitionerRole", "Organization", "Location", "HealthcareService"}
    assert ResourceVersion.objects.filter(resource_type="PractitionerRole", resource_id=f"r{registration.pk}").exists()
    assert int(out.split()[1]) == ResourceVersion.objects.count()
    assert "versioned 0" in _run("backfill")  # safe to run twice
