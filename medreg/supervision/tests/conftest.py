"""Fixtures for the supervision tests: an accepted application (built by the real services), the
supervision accounts around it, and a national staff member."""

from __future__ import annotations

import pytest

from medreg.accounts import services as accounts
from medreg.accounts.choices import AuthorityLevel, Role
from medreg.api.tests.conftest import PDF, activate, drive, png_bytes
from medreg.applications.choices import Status
from medreg.demo.world import DEFAULT_PASSWORD, register_physician

__all__ = ["PDF", "png_bytes"]


@pytest.fixture
def activated(world, physician):
    activate(world, physician)
    return physician


@pytest.fixture
def accepted(world, activated):
    """A physician's first registration, accepted by the city commission (hospital in 530102)."""
    return drive(world, activated, Status.ACCEPTED)


@pytest.fixture
def national(db):
    authority = accounts.create_authority(acting_user=None, name="国家卫生健康委员会", level=AuthorityLevel.NATIONAL,
                                          division_code=None)
    return accounts.create_staff_account(acting_user=None, authority=authority, username="nhc_staff",
                                         real_name="国家委员", password=DEFAULT_PASSWORD,
                                         roles=[Role.CLERK, Role.REVIEWER, Role.APPROVER])


@pytest.fixture
def actors(world, activated, national):
    """The permission-matrix cast."""
    other = register_physician(world, name="李四", username="lisi_md")
    return {
        "anonymous": None,
        "individual": activated,
        "other_individual": other,
        "own_institution": world.hospital_admin,
        "other_institution": world.other_admin,
        "city_clerk": world.city.users[Role.CLERK],
        "city_reviewer": world.city.users[Role.REVIEWER],
        "city_approver": world.city.users[Role.APPROVER],
        "city_supervision": world.city.users[Role.SUPERVISION],
        "county_supervision": world.county.users[Role.SUPERVISION],
        "province_clerk": world.province.users[Role.CLERK],
        "other_province_clerk": world.other_province.users[Role.CLERK],
        "other_province_supervision": world.other_province.users[Role.SUPERVISION],
        "national_staff": national,
    }
