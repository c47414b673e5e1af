"""The authority portal's delivery log and replay: permission matrix (anonymous, individual,
institution staff, authority staff who are not administrators, administrators of the own and of another
jurisdiction, national); denied writes leave no audit row."""

from __future__ import annotations

import random

import pytest

from medreg.accounts.choices import AuthorityLevel, Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.exchange import services
from medreg.exchange.choices import DeliveryStatus, PartnerKind
from medreg.exchange.models import Delivery
from medreg.exchange.tests.conftest import approve_first_registration

LOG = "/portal/authority/exchange/"


@pytest.fixture
def dead_letter(world, physician, settings, django_capture_on_commit_callbacks):
    settings.MEDREG = {**settings.MEDREG, "EXCHANGE_DELIVERY_MAX_ATTEMPTS": 1}
    sub, _secret = services.create_subscription(name="国家注册系统", kind=PartnerKind.NATIONAL,
                                                url="http://127.0.0.1:9/down", acting_user=None)
    with django_capture_on_commit_callbacks(execute=True):
        approve_first_registration(world, physician)
    d = Delivery.objects.filter(subscription=sub, event__event_type="registration.created").get()
    assert d.status == DeliveryStatus.DEAD
    return d


@pytest.fixture
def national_admin(world):
    from medreg.demo.world import make_authority

    return make_authority("国家卫生健康委员会", AuthorityLevel.NATIONAL, None, rng=random.Random(3),
                          username_prefix="nhc").users[Role.AUTHORITY_ADMIN]


def _replays() -> int:
    return AuditEvent.objects.filter(event_type=EventType.DELIVERY_REPLAYED).count()


def test_anonymous_is_sent_to_login(client, dead_letter):
    assert client.get(LOG).status_code == 302
    assert client.post(f"{LOG}deliveries/{dead_letter.pk}/replay/").status_code == 302
    assert _replays() == 0


@pytest.mark.parametrize("who", ["individual", "institution", "clerk"])
def test_non_administrators_get_404_and_change_nothing(client, world, physician, dead_letter, who):
    user = {"individual": physician, "institution": world.hospital_admin,
            "clerk": world.province.users[Role.CLERK]}[who]
    client.force_login(user)
    assert client.get(LOG).status_code == 404
    assert client.post(f"{LOG}deliveries/{dead_letter.pk}/replay/").status_code == 404
    assert _replays() == 0
    dead_letter.refresh_from_db()
    assert dead_letter.status == DeliveryStatus.DEAD


def test_administrator_of_another_jurisdiction_neither_sees_nor_replays(client, world, dead_letter):
    client.force_login(world.other_province.users[Role.AUTHORITY_ADMIN])
    page = client.get(LOG)
    assert page.status_code == 200 and f'id="delivery-{dead_letter.pk}"' not in page.content.decode()
    assert client.post(f"{LOG}deliveries/{dead_letter.pk}/replay/").status_code == 404
    assert _replays() == 0


def test_own_administrator_sees_the_log_and_replays_a_dead_letter(client, world, dead_letter):
    client.force_login(world.province.users[Role.AUTHORITY_ADMIN])
    page = client.get(LOG)
    body = page.content.decode()
    assert page.status_code == 200 and f'id="delivery-{dead_letter.pk}"' in body
    assert "registration.created" in body and "国家注册系统" in body
    assert client.get(LOG + "?status=dead").status_code == 200
    resp = client.post(f"{LOG}deliveries/{dead_letter.pk}/replay/")
    assert resp.status_code == 302
    dead_letter.refresh_from_db()
    assert dead_letter.status == DeliveryStatus.PENDING and dead_letter.replays == 1
    assert _replays() == 1


def test_national_administrator_sees_every_jurisdiction(client, world, dead_letter, national_admin):
    client.force_login(national_admin)
    assert f'id="delivery-{dead_letter.pk}"' in client.get(LOG).content.decode()
    assert client.post(f"{LOG}deliveries/{dead_letter.pk}/replay/").status_code == 302
    assert _replays() == 1
