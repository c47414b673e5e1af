"""Shared pytest fixtures: reference data loaded once per session, and a small world built by services."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: PT004 - extends pytest-django's fixture
    from medreg.reference.services import load_reference_data

    with django_db_blocker.unblock():
        load_reference_data(acting_user=None)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.conf import settings
    from django.utils import translation

    from medreg.reference.selectors import forget_local

    cache.clear()
    forget_local()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    forget_local()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db):
    from medreg.demo.world import build_world

    return build_world()


@pytest.fixture
def physician(world):
    from medreg.demo.world import register_physician

    return register_physician(world)


@pytest.fixture
def tx_world(transactional_db):
    """The world for transactional tests (threads, live server): reference data reloaded after flushes."""
    from medreg.demo.world import build_world
    from medreg.reference.services import load_reference_data

    load_reference_data(acting_user=None)
    return build_world()


@pytest.fixture
def registered(world, physician):
    """``physician``, activated, with an approved first registration at 昆明市第一人民医院 (place 云南省)."""
    from medreg.applications import services as apps
    from medreg.applications.tests.test_first_registration_flow import activate, draft
    from medreg.applications.tests.test_physician_items import decide

    activate(world, physician)
    app = draft(world, physician)
    apps.submit_application(app.pk, acting_user=physician)
    return decide(world, app.pk, admins=[world.hospital_admin]).result_registration


@pytest.fixture
def second_hospital(world):
    """(institution, admin): 昆明市第二人民医院, licensed by the city, in the same province as the hospital."""
    from medreg.demo.world import make_institution

    return make_institution(world.city.authority, rng=world.rng, name="昆明市第二人民医院",
                            division_code="530103", admin_username="km2h_admin")
