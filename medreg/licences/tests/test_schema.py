"""The licence table's integrity keys and identifier lookup (decision 0054).

On PostgreSQL two composite foreign keys replace the four single-column ones: the holder must be the
registration's own, and the signing key must belong to the issuing authority. On SQLite Django's
single-column keys stay."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from medreg.core import identifiers
from medreg.licences import schema, services
from medreg.licences.models import ELicence, SigningKey

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="composite keys are PostgreSQL-only")


def _constraints() -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, ELicence._meta.db_table)


def _foreign_keys() -> dict[tuple[str, ...], tuple[str, str]]:
    return {tuple(c["columns"]): c["foreign_key"] for c in _constraints().values() if c["foreign_key"]}


def _clone(lic: ELicence, **changes) -> None:
    """Insert a copy of ``lic`` with ``changes`` and force the deferred checks now."""
    with transaction.atomic():
        fields = {f.attname: getattr(lic, f.attname) for f in ELicence._meta.concrete_fields if not f.primary_key}
        fields.update(serial=f"{lic.serial}9", identifier=f"{lic.identifier}9", status_index=lic.status_index + 1)
        fields.update(changes)
        ELicence.objects.create(**fields)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pg_only
@pytest.mark.django_db
def test_postgresql_has_the_two_composite_keys_instead_of_four_single_ones():
    keys = _foreign_keys()
    assert keys[("registration_id", "person_id")][0] == "people_practiceregistration"
    assert keys[("signing_key_id", "authority_id")][0] == "licences_signingkey"
    assert not {("person_id",), ("registration_id",), ("signing_key_id",), ("authority_id",)} & set(keys)
    assert ("institution_id",) in keys  # an institution's licence keeps its plain key


@pg_only
@pytest.mark.django_db
def test_a_licence_held_by_someone_other_than_the_registrations_holder_is_refused(registration, world):
    from medreg.demo.world import register_physician

    lic = registration.licences.get()
    other = register_physician(world, name="李明华", username="limh").person
    with pytest.raises(IntegrityError):
        _clone(lic, person_id=other.pk)
    with pytest.raises(IntegrityError):  # MATCH FULL: a practitioner's licence must name its holder
        _clone(lic, person_id=None)
    _clone(lic)  # the same copy with the right holder is accepted
    assert registration.licences.count() == 2


@pg_only
@pytest.mark.django_db
def test_a_licence_signed_with_another_authoritys_key_is_refused(registration, world):
    lic = registration.licences.get()
    foreign = SigningKey.objects.exclude(authority_id=lic.authority_id).exclude(authority=None).first()
    if foreign is None:
        from medreg.licences import keys

        foreign = keys.ensure_signing_key(world.other_province.authority, acting_user=None)
    with pytest.raises(IntegrityError):
        _clone(lic, signing_key_id=foreign.pk)
    trust_key = SigningKey.objects.filter(authority=None).first()
    if trust_key is not None:  # the trust-list key signs the trust list, never a licence
        with pytest.raises(IntegrityError):
            _clone(lic, signing_key_id=trust_key.pk)


@pytest.mark.django_db
def test_a_licence_for_a_missing_registration_is_refused_on_every_database(registration):
    lic = registration.licences.get()
    with pytest.raises(IntegrityError), transaction.atomic():  # the outer block undoes the bad row
        _clone(lic, registration_id=lic.registration_id + 10_000)
        connection.check_constraints()  # SQLite checks its deferred keys here


@pg_only
@pytest.mark.django_db
def test_the_key_swap_is_reversible():
    schema.uninstall(connection)
    keys = _foreign_keys()
    assert {("person_id",), ("registration_id",), ("signing_key_id",), ("authority_id",)} <= set(keys)
    assert ("registration_id", "person_id") not in keys
    schema.install(connection)
    schema.install(connection)  # idempotent
    keys = _foreign_keys()
    assert ("registration_id", "person_id") in keys and ("person_id",) not in keys


@pytest.mark.django_db
def test_a_licence_is_found_by_its_identifier_through_serial_and_version(registration):
    lic = registration.licences.get()
    parsed = identifiers.validate_elicence_identifier(lic.identifier)
    assert ELicence.objects.by_identifier(parsed.serial, parsed.version, parsed.identifier).get() == lic
    assert services.licence_status(lic.identifier).licence_id == lic.pk
    # a well-formed identifier of another issuer with the same serial and version is not this licence
    from medreg.accounts.models import Authority

    other = Authority.objects.exclude(pk=lic.authority_id).exclude(uscc="").first()
    forged = identifiers.build_elicence_identifier(parsed.type_code, other.uscc, parsed.serial, parsed.version)
    wrong = identifiers.validate_elicence_identifier(forged)
    assert not ELicence.objects.by_identifier(wrong.serial, wrong.version, wrong.identifier).exists()


@pytest.mark.django_db
def test_the_identifier_stays_unique_through_serial_and_version(registration):
    lic = registration.licences.get()
    with pytest.raises(IntegrityError):
        _clone(lic, serial=lic.serial, identifier=lic.identifier)


@pytest.mark.django_db
def test_an_identifier_typed_in_lower_case_or_with_spaces_finds_the_licence(registration):
    lic = registration.licences.get()
    typed = " ".join([lic.identifier[:20].lower(), lic.identifier[20:]])
    assert services.licence_status(typed).licence_id == lic.pk
