"""Drives the "province" instance of the sync test from a subprocess, through the real services.

    python -m medreg.exchange.tests.province_driver setup        -> JSON of the approved registration
    python -m medreg.exchange.tests.province_driver cancel ID
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from medreg.demo.world import build_world, register_physician
    from medreg.exchange.tests.conftest import approve_first_registration, cancel_registration
    from medreg.people.models import PracticeRegistration
    from medreg.reference.services import load_reference_data

    if argv[0] == "setup":
        load_reference_data(acting_user=None)
        world = build_world()
        reg = approve_first_registration(world, register_physician(world))
        print(json.dumps({"registration": reg.pk, "person": reg.person_id, "name": reg.person.name}))
    elif argv[0] == "cancel":
        from types import SimpleNamespace

        from medreg.accounts.choices import Role
        from medreg.accounts.models import User

        reg = PracticeRegistration.objects.get(pk=int(argv[1]))

        city = SimpleNamespace(users={Role.APPROVER: User.objects.get(username="km_approver")})
        cancel_registration(SimpleNamespace(city=city), reg)
        print(json.dumps({"cancelled": reg.pk}))


if __name__ == "__main__":
    main(sys.argv[1:])
