"""Composite foreign keys of the licence table on PostgreSQL (decision 0054).

A practitioner's licence names its registration *and* the registration's holder; every licence names
its signing key *and* its issuing authority. Four single-column foreign keys checked each licence row
by row, and two of those checks took a row lock on a person or registration (a WAL record and a
dirtied page each). Two composite keys give the same guarantee and more, with half the checks:

* ``(registration_id, person_id)`` → ``people_practiceregistration (id, person_id)``, ``MATCH FULL``:
  both set (a practitioner's licence, held by the registration's own holder) or both empty (an
  institution's licence);
* ``(signing_key_id, authority_id)`` → ``licences_signingkey (id, authority_id)``: a licence is signed
  by a key of the authority that issued it (the trust-list key, which has no authority, cannot sign one).

The person and authority are still proven to exist, through the registration's and the key's own
foreign keys. SQLite keeps Django's single-column constraints (it cannot alter a table's constraints).
The model fields still declare ``db_constraint=True``, so SQLite and the migration state are unchanged;
:func:`install` is run by migration ``licences.0005`` and by benchmark databases built with
``--run-syncdb``.
"""

from __future__ import annotations

from typing import Any

# (unique target constraint, target table, target columns)
_TARGETS = (
    ("uniq_registration_holder", "people_practiceregistration", ("id", "person_id")),
    ("uniq_signingkey_authority", "licences_signingkey", ("id", "authority_id")),
)
# (constraint, columns, target table, target columns, match)
_KEYS = (
    ("licence_registration_holder", ("registration_id", "person_id"), "people_practiceregistration",
     ("id", "person_id"), "MATCH FULL"),
    ("licence_key_issuer", ("signing_key_id", "authority_id"), "licences_signingkey", ("id", "authority_id"), ""),
)
# the single-column keys the composites replace: column → referenced table
_SINGLE = {
    "person_id": "people_person",
    "registration_id": "people_practiceregistration",
    "signing_key_id": "licences_signingkey",
    "authority_id": "accounts_authority",
}
_TABLE = "licences_elicence"


def _single_keys(cursor: Any, connection: Any) -> dict[str, str]:
    """Single-column foreign keys of the licence table on the replaced columns: column → name."""
    found = {}
    for name, info in connection.introspection.get_constraints(cursor, _TABLE).items():
        columns = info["columns"]
        if info["foreign_key"] and len(columns) == 1 and columns[0] in _SINGLE:
            found[columns[0]] = name
    return found


def install(connection: Any) -> None:
    """Swap the four single-column keys for the two composite ones (PostgreSQL; idempotent)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        existing = connection.introspection.get_constraints(cursor, _TABLE)
        for name, table, columns in _TARGETS:
            if name not in connection.introspection.get_constraints(cursor, table):
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                               f"UNIQUE ({', '.join(map(quote, columns))})")
        for name, columns, table, target, match in _KEYS:
            if name not in existing:
                cursor.execute(
                    f"ALTER TABLE {quote(_TABLE)} ADD CONSTRAINT {quote(name)} FOREIGN KEY "
                    f"({', '.join(map(quote, columns))}) REFERENCES {quote(table)} ({', '.join(map(quote, target))}) "
                    f"{match} DEFERRABLE INITIALLY DEFERRED"
                )
        for name in _single_keys(cursor, connection).values():
            cursor.execute(f"ALTER TABLE {quote(_TABLE)} DROP CONSTRAINT {quote(name)}")


def uninstall(connection: Any) -> None:
    """The reverse of :func:`install`: Django's single-column keys again."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        present = _single_keys(cursor, connection)
        for column, table in _SINGLE.items():
            if column not in present:
                cursor.execute(
                    f"ALTER TABLE {quote(_TABLE)} ADD CONSTRAINT {quote(f'{_TABLE}_{column}_fk')} FOREIGN KEY "
                    f"({quote(column)}) REFERENCES {quote(table)} ({quote('id')}) DEFERRABLE INITIALLY DEFERRED"
                )
        existing = connection.introspection.get_constraints(cursor, _TABLE)
        for name, *_rest in _KEYS:
            if name in existing:
                cursor.execute(f"ALTER TABLE {quote(_TABLE)} DROP CONSTRAINT {quote(name)}")
        for name, table, _columns in _TARGETS:
            if name in connection.introspection.get_constraints(cursor, table):
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
