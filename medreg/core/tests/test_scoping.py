"""for_user: deny by default, subtree for authority staff, own institution, own person; `via` narrows."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from medreg.accounts.choices import Role
from medreg.accounts.models import Membership
from medreg.core.scoping import invalidate_scope
from medreg.institutions.models import Institution


def test_anonymous_sees_nothing(world):
    assert not Institution.objects.for_user(AnonymousUser()).exists()


def test_authority_staff_see_their_subtree_and_act_on_their_own(world):
    province_clerk = world.province.users[Role.CLERK]
    city_clerk = world.city.users[Role.CLERK]
    county_clerk = world.county.users[Role.CLERK]
    assert set(Institution.objects.for_user(province_clerk)) == {world.hospital}
    assert not Institution.objects.for_user(province_clerk, "act").exists()
    assert set(Institution.objects.for_user(city_clerk, "act")) == {world.hospital}
    # the hospital lies in the county, but the city licensed it: the county may look, not act
    assert set(Institution.objects.for_user(county_clerk)) == {world.hospital}
    assert not Institution.objects.for_user(county_clerk, "act").exists()
    assert set(Institution.objects.for_user(world.other_province.users[Role.CLERK])) == {world.other_hospital}


def test_institution_staff_see_only_their_institution(world):
    assert set(Institution.objects.for_user(world.hospital_admin)) == {world.hospital}
    assert set(Institution.objects.for_user(world.other_admin)) == {world.other_hospital}


def test_via_limits_a_user_with_two_capacities(world):
    clerk = world.other_province.users[Role.CLERK]
    Membership.objects.create(user=clerk, institution=world.hospital, role=Role.INSTITUTION_REVIEWER)
    invalidate_scope(clerk)
    assert set(Institution.objects.for_user(clerk)) == {world.hospital, world.other_hospital}
    assert set(Institution.objects.for_user(clerk, via="authority")) == {world.other_hospital}
    assert set(Institution.objects.for_user(clerk, via="institution")) == {world.hospital}
    assert not Institution.objects.for_user(clerk, via="person").exists()
