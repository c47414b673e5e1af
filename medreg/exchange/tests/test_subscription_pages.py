"""Subscription management in the portals: 管理端 (create, pause/resume, replay a subscription's dead letters)
and 机构端 (an institution administrator's own employer subscription). Permission matrix: anonymous,
individual, institution staff, a clerk, the administrator of the jurisdiction, the administrator of a
sibling province, national; a denied write leaves no subscription and no audit row. The signing secret is
shown once; a paused subscription is not delivered to."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from medreg.accounts.choices import AuthorityLevel, Role
from medreg.audit.choices import EventType
from medreg.audit.models import AuditEvent
from medreg.core.errors import NotFound, PermissionDenied
from medreg.exchange import services
from medreg.exchange.choices import DeliveryStatus, PartnerKind, Topic
from medreg.exchange.models import Delivery, Subscription
from medreg.exchange.tests.conftest import approve_first_registration
from medreg.exchange.tests.receiver import Receiver

SUBS = "/portal/authority/exchange/subscriptions/"
NEW = SUBS + "new/"
INST = "/portal/institution/subscriptions/"
FORM = {
    "name": "云南省信用信息平台",
    "kind": PartnerKind.CREDIT,
    "url": "https://credit.example.cn/hook",
    "topics": [Topic.REGISTRATION, Topic.PENALTY],
    "event_types": "",
    "division_prefix": "53",
}


def _employer(name: str, url: str, institution, acting_user=None):
    """An employer (e-Notify) subscription for ``institution``, created through the service."""
    return services.create_subscription(name=name, kind=PartnerKind.EMPLOYER, url=url, institution=institution,
                                        acting_user=acting_user)


def _audits(*types: EventType) -> int:
    return AuditEvent.objects.filter(
        event_type__in=types
        or (EventType.SUBSCRIPTION_CREATED, EventType.SUBSCRIPTION_CHANGED, EventType.DELIVERY_REPLAYED)
    ).count()


@pytest.fixture
def yn_sub(world):
    sub, _secret = services.create_subscription(
        name="云南省专题库",
        kind=PartnerKind.GENERAL_APPROVAL,
        url="http://127.0.0.1:9/down",
        division_prefix="53",
        acting_user=None,
    )
    return sub


@pytest.fixture
def national_admin(world):
    from medreg.demo.world import make_authority

    return make_authority(
        "国家卫生健康委员会", AuthorityLevel.NATIONAL, None, rng=random.Random(3), username_prefix="nhc"
    ).users[Role.AUTHORITY_ADMIN]


# -- 管理端: who may ------------------------------------------------------------------------------------------
def test_anonymous_is_sent_to_login_and_nothing_is_written(client, yn_sub):
    before = (Subscription.objects.count(), _audits())
    for url in (SUBS, NEW):
        assert client.get(url).status_code == 302
    assert client.post(NEW, FORM).status_code == 302
    assert client.post(f"{SUBS}{yn_sub.pk}/active/", {"active": "0"}).status_code == 302
    assert client.post(f"{SUBS}{yn_sub.pk}/replay-dead/").status_code == 302
    assert (Subscription.objects.count(), _audits()) == before


@pytest.mark.parametrize("who", ["individual", "institution", "clerk"])
def test_non_administrators_get_404_and_change_nothing(client, world, physician, yn_sub, who):
    user = {
        "individual": physician,
        "institution": world.hospital_admin,
        "clerk": world.province.users[Role.CLERK],
    }[who]
    client.force_login(user)
    before = (Subscription.objects.count(), _audits())
    assert client.get(SUBS).status_code == 404
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, FORM).status_code == 404
    assert client.post(f"{SUBS}{yn_sub.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"{SUBS}{yn_sub.pk}/replay-dead/").status_code == 404
    assert (Subscription.objects.count(), _audits()) == before
    yn_sub.refresh_from_db()
    assert yn_sub.is_active


def test_own_administrator_creates_and_sees_the_secret_exactly_once(client, world):
    admin = world.province.users[Role.AUTHORITY_ADMIN]
    client.force_login(admin)
    form = client.get(NEW).content.decode()
    assert 'id="subscription-form"' in form and 'value="53"' in form  # defaults to the admin's jurisdiction
    resp = client.post(
        NEW, {**FORM, "event_types": "registration.created, records.penalty_recorded\nlicence.revoked"}
    )
    body = resp.content.decode()
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store"
    sub = Subscription.objects.get(name="云南省信用信息平台")
    assert sub.kind == PartnerKind.CREDIT and sub.division_prefix == "53" and sub.is_active
    assert sub.topics == [Topic.REGISTRATION, Topic.PENALTY]
    assert sub.event_types == ["registration.created", "records.penalty_recorded", "licence.revoked"]
    assert f'<code class="mono" id="subscription-secret">{sub.secret}</code>' in body
    assert 'id="secret-once-note"' in body and "只显示这一次" in body
    event = AuditEvent.objects.get(event_type=EventType.SUBSCRIPTION_CREATED)
    assert event.actor_id == admin.pk and sub.secret not in str(event.data)
    # never again: not on the list, not on the delivery log, not on the form
    for url in (SUBS, "/portal/authority/exchange/", NEW):
        page = client.get(url).content.decode()
        assert sub.secret not in page
    assert f'id="subscription-{sub.pk}"' in client.get(SUBS).content.decode()


def test_invalid_input_is_shown_on_the_form_in_chinese_and_english(client, world):
    client.force_login(world.province.users[Role.AUTHORITY_ADMIN])
    bad = {**FORM, "name": "", "url": "ftp://x", "event_types": "no.such_event"}
    resp = client.post(NEW, bad)
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "接收地址必须是 http 或 https 网址" in html and "请填写订阅方名称" in html
    assert "未知的事件类型：no.such_event" in html and 'id="form-errors"' in html
    employer = client.post(NEW, {**FORM, "kind": PartnerKind.EMPLOYER, "institution": "NOSUCHCODE"})
    assert "本辖区内没有该统一社会信用代码或登记号的医疗机构" in employer.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": NEW})
    english = client.post(NEW, bad).content.decode()
    assert "must be an http or https URL" in english and "Unknown event type" in english
    assert not Subscription.objects.exists() and _audits() == 0


def test_sibling_administrator_is_refused_and_cannot_touch_our_subscriptions(client, world, yn_sub):
    client.force_login(world.other_province.users[Role.AUTHORITY_ADMIN])
    before = _audits()
    listing = client.get(SUBS)
    assert listing.status_code == 200 and f'id="subscription-{yn_sub.pk}"' not in listing.content.decode()
    resp = client.post(NEW, FORM)  # division 53 belongs to 云南
    assert resp.status_code == 403 and "无权为该辖区设置订阅" in resp.content.decode()
    employer = client.post(NEW, {**FORM, "kind": PartnerKind.EMPLOYER, "institution": world.hospital.uscc})
    assert employer.status_code == 400  # a hospital of 云南 is not found from 贵州
    assert client.post(f"{SUBS}{yn_sub.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"{SUBS}{yn_sub.pk}/replay-dead/").status_code == 404
    assert Subscription.objects.count() == 1 and _audits() == before
    yn_sub.refresh_from_db()
    assert yn_sub.is_active


def test_administrator_creates_an_employer_subscription_for_a_hospital_of_the_jurisdiction(client, world):
    client.force_login(world.province.users[Role.AUTHORITY_ADMIN])
    resp = client.post(
        NEW,
        {
            **FORM,
            "name": "昆明一院人事系统",
            "kind": PartnerKind.EMPLOYER,
            "institution": world.hospital.uscc.lower(),
            "division_prefix": "52",
        },
    )
    assert resp.status_code == 200
    sub = Subscription.objects.get(name="昆明一院人事系统")
    assert sub.institution_id == world.hospital.pk and sub.division_prefix == world.hospital.division_code


def test_pause_stops_delivery_attempts_and_resume_delivers(
    client, world, physician, django_capture_on_commit_callbacks
):
    admin = world.province.users[Role.AUTHORITY_ADMIN]
    with Receiver() as rx:
        sub, secret = services.create_subscription(
            name="信用平台",
            kind=PartnerKind.CREDIT,
            url=rx.url,
            topics=[Topic.REGISTRATION],
            division_prefix="53",
            acting_user=None,
        )
        rx.secret, rx.up = secret, False
        with django_capture_on_commit_callbacks(execute=True):
            approve_first_registration(world, physician)
        pending = Delivery.objects.get(subscription=sub, event__event_type="registration.created")
        assert pending.status == DeliveryStatus.PENDING and pending.attempts == 1
        client.force_login(admin)
        assert client.post(f"{SUBS}{sub.pk}/active/", {"active": "0"}).status_code == 302
        assert 'id="resume-' in client.get(SUBS).content.decode()
        rx.up = True
        sent_before = len(rx.received)
        later = timezone.now() + timedelta(days=1)
        # while paused, neither the periodic job nor a forced attempt sends anything
        assert services.deliver_due(now=later) == 0
        assert services.attempt_delivery(pending.pk, now=later, force=True) is None
        assert len(rx.received) == sent_before
        pending.refresh_from_db()
        assert pending.status == DeliveryStatus.PENDING and pending.attempts == 1
        # pausing twice changes nothing and audits once
        client.post(f"{SUBS}{sub.pk}/active/", {"active": "0"})
        changed = AuditEvent.objects.filter(event_type=EventType.SUBSCRIPTION_CHANGED)
        assert changed.count() == 1 and changed.get().actor_id == admin.pk
        # resumed: the waiting delivery goes out
        assert client.post(f"{SUBS}{sub.pk}/active/", {"active": "1"}).status_code == 302
        assert services.deliver_due(now=later) >= 1
        pending.refresh_from_db()
        assert pending.status == DeliveryStatus.DELIVERED and rx.bad_signatures == 0


def test_replay_all_dead_letters_of_one_subscription(
    client, world, physician, settings, django_capture_on_commit_callbacks
):
    settings.MEDREG = {**settings.MEDREG, "EXCHANGE_DELIVERY_MAX_ATTEMPTS": 1}
    dead_sub, _ = services.create_subscription(
        name="国家注册系统",
        kind=PartnerKind.NATIONAL,
        url="http://127.0.0.1:9/a",
        division_prefix="53",
        acting_user=None,
    )
    other_sub, _ = services.create_subscription(
        name="信用平台",
        kind=PartnerKind.CREDIT,
        url="http://127.0.0.1:9/b",
        division_prefix="53",
        acting_user=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve_first_registration(world, physician)
    dead = Delivery.objects.filter(subscription=dead_sub, status=DeliveryStatus.DEAD)
    n = dead.count()
    assert n >= 1 and Delivery.objects.filter(subscription=other_sub, status=DeliveryStatus.DEAD).exists()
    client.force_login(world.province.users[Role.AUTHORITY_ADMIN])
    page = client.get(SUBS).content.decode()
    assert f'id="replay-dead-{dead_sub.pk}"' in page
    resp = client.post(f"{SUBS}{dead_sub.pk}/replay-dead/", follow=True)
    assert resp.status_code == 200 and f"已将{n}条死信重新排队投递" in resp.content.decode()
    assert not Delivery.objects.filter(subscription=dead_sub, status=DeliveryStatus.DEAD).exists()
    assert Delivery.objects.filter(subscription=other_sub, status=DeliveryStatus.DEAD).exists()  # untouched
    assert _audits(EventType.DELIVERY_REPLAYED) == n
    empty = client.post(f"{SUBS}{dead_sub.pk}/replay-dead/", follow=True).content.decode()
    assert "该订阅方没有死信" in empty


def test_national_administrator_manages_every_jurisdiction(client, world, yn_sub, national_admin):
    client.force_login(national_admin)
    assert f'id="subscription-{yn_sub.pk}"' in client.get(SUBS).content.decode()
    assert client.post(f"{SUBS}{yn_sub.pk}/active/", {"active": "0"}).status_code == 302
    yn_sub.refresh_from_db()
    assert not yn_sub.is_active
    resp = client.post(
        NEW, {**FORM, "name": "国家注册系统", "kind": PartnerKind.NATIONAL, "division_prefix": ""}
    )
    assert resp.status_code == 200 and Subscription.objects.get(name="国家注册系统").division_prefix == ""


def test_navigation_links_to_subscription_management_only_for_administrators(client, world):
    client.force_login(world.province.users[Role.AUTHORITY_ADMIN])
    assert f'href="{SUBS}"' in client.get("/portal/authority/queue/").content.decode()
    client.force_login(world.province.users[Role.CLERK])
    assert f'href="{SUBS}"' not in client.get("/portal/authority/queue/").content.decode()


# -- 机构端: an institution administrator's own employer subscription -------------------------------------------
def test_institution_admin_subscribes_own_institution_and_pauses_it(
    client, world, physician, django_capture_on_commit_callbacks
):
    admin = world.hospital_admin
    client.force_login(admin)
    page = client.get(INST)
    assert page.status_code == 200 and f'href="{INST}"' in page.content.decode()
    resp = client.post(
        INST + "new/",
        {
            "name": "本院人事系统",
            "url": "https://hr.km1h.example.cn/hook",
            "topics": [Topic.REGISTRATION, Topic.PENALTY],
        },
    )
    body = resp.content.decode()
    sub = Subscription.objects.get(name="本院人事系统")
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store" and sub.secret in body
    assert sub.kind == PartnerKind.EMPLOYER and sub.institution_id == world.hospital.pk
    created = AuditEvent.objects.get(event_type=EventType.SUBSCRIPTION_CREATED)
    assert created.actor_id == admin.pk and created.institution_id == world.hospital.pk
    assert sub.secret not in client.get(INST).content.decode()
    # alerts about its own staff are queued for it
    with django_capture_on_commit_callbacks(execute=True):
        approve_first_registration(world, physician)
    assert Delivery.objects.filter(subscription=sub, event__event_type="registration.created").exists()
    assert client.post(f"{INST}{sub.pk}/active/", {"active": "0"}).status_code == 302
    sub.refresh_from_db()
    assert not sub.is_active
    assert AuditEvent.objects.filter(event_type=EventType.SUBSCRIPTION_CHANGED, actor=admin).count() == 1


def test_institution_admin_cannot_touch_another_institutions_or_authority_subscriptions(
    client, world, yn_sub
):
    theirs, _ = _employer("他院", "http://127.0.0.1:9/b", world.other_hospital)
    ours, _ = _employer("本院", "http://127.0.0.1:9/a", world.hospital)
    client.force_login(world.hospital_admin)
    html = client.get(INST).content.decode()
    assert f'id="subscription-{ours.pk}"' in html and f'id="subscription-{theirs.pk}"' not in html
    assert f'id="subscription-{yn_sub.pk}"' not in html
    before = _audits()
    for target in (theirs, yn_sub):
        assert client.post(f"{INST}{target.pk}/active/", {"active": "0"}).status_code == 404
        target.refresh_from_db()
        assert target.is_active
    # another institution chosen with ?inst= is not theirs: 404, nothing created
    resp = client.post(
        INST + "new/", {"inst": str(world.other_hospital.pk), "name": "x", "url": "https://x.example.cn/"}
    )
    assert resp.status_code == 404
    assert _audits() == before and Subscription.objects.count() == 3


@pytest.mark.parametrize("who", ["individual", "clerk", "other_admin"])
def test_others_get_404_on_the_institution_page(client, world, physician, who):
    user = {
        "individual": physician,
        "clerk": world.province.users[Role.CLERK],
        "other_admin": world.province.users[Role.AUTHORITY_ADMIN],
    }[who]
    client.force_login(user)
    assert client.get(INST).status_code == 404
    assert client.post(INST + "new/", {"name": "x", "url": "https://x.example.cn/"}).status_code == 404
    assert not Subscription.objects.exists() and _audits() == 0


def test_institution_staff_who_are_not_administrators_get_404(client, world):
    from medreg.accounts import services as accounts

    reviewer = accounts.create_institution_account(
        acting_user=world.city.users[Role.AUTHORITY_ADMIN],
        institution=world.hospital,
        username="km1h_rev",
        real_name="审核员",
        password="Medreg!2026",
        roles=[Role.INSTITUTION_REVIEWER],
        phone="",
    )
    client.force_login(reviewer)
    assert client.get(INST).status_code == 404
    assert client.post(INST + "new/", {"name": "x", "url": "https://x.example.cn/"}).status_code == 404
    assert f'href="{INST}"' not in client.get("/portal/institution/").content.decode()
    assert not Subscription.objects.exists()


# -- the service rule itself ----------------------------------------------------------------------------------
def test_service_lets_an_institution_admin_have_only_an_employer_subscription_of_their_own(world):
    admin = world.hospital_admin
    before = (Subscription.objects.count(), _audits())
    with pytest.raises(PermissionDenied):  # another kind, even for the own institution's division
        services.create_subscription(
            name="x",
            kind=PartnerKind.CREDIT,
            url="https://x.example.cn/",
            division_prefix=world.hospital.division_code,
            acting_user=admin,
        )
    with pytest.raises(PermissionDenied):  # an employer subscription of another institution
        _employer("x", "https://x.example.cn/", world.other_hospital, acting_user=admin)
    with pytest.raises(PermissionDenied):  # the institution's kind given without... its institution's right
        services.create_subscription(
            name="x",
            kind=PartnerKind.CREDIT,
            url="https://x.example.cn/",
            institution=world.hospital,
            acting_user=admin,
        )
    assert (Subscription.objects.count(), _audits()) == before
    sub, _ = _employer("本院", "https://x.example.cn/", world.hospital, acting_user=admin)
    other, _ = _employer("他院", "https://y.example.cn/", world.other_hospital)
    assert services.set_subscription_active(sub.pk, False, acting_user=admin).is_active is False
    with pytest.raises(NotFound):
        services.set_subscription_active(other.pk, False, acting_user=admin)
    with pytest.raises(NotFound):
        services.set_subscription_active(other.pk, False, acting_user=world.other_province.users[Role.CLERK])
