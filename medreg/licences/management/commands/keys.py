"""``medreg keys rotate|list|withdraw``: the issuing authorities' signing keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medreg.licences import keys


class Command(BaseCommand):
    help = "Rotate (with an overlap period), list or withdraw e-licence signing keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="new signing key for every authority (or one); old keys verify "
                                               "for SIGNING_KEY_OVERLAP_DAYS more")
        rotate.add_argument("--authority", type=int, help="authority id (default: every authority with a key)")
        rotate.add_argument("--algorithm", choices=["ES256", "EdDSA"], help="default: SIGNING_ALGORITHM")
        rotate.add_argument("--trust-list-key", action="store_true", help="also rotate the trust-list signer")
        sub.add_parser("list", help="list keys and their validity")
        withdraw = sub.add_parser("withdraw", help="take a compromised key off the trust list at once")
        withdraw.add_argument("kid")
        withdraw.add_argument("--reason", default="withdrawn")

    def handle(self, *args: Any, **opts: Any) -> None:
        from medreg.accounts.models import Authority
        from medreg.licences.models import SigningKey

        action = opts["action"]
        if action == "rotate":
            authority = None
            if opts.get("authority"):
                authority = Authority.objects.filter(pk=opts["authority"]).first()
                if authority is None:
                    raise CommandError(f"no authority {opts['authority']}")
            created = keys.rotate_keys(acting_user=None, authority=authority, algorithm=opts.get("algorithm"),
                                       include_trust_list_key=opts.get("trust_list_key", False))
            for k in created:
                self.stdout.write(f"new key {k.kid} ({k.algorithm}) for {k.authority or 'trust list'}")
            self.stdout.write(f"rotated {len(created)} key(s); old keys verify for {keys.overlap().days} more days")
        elif action == "list":
            for k in SigningKey.objects.select_related("authority").order_by("authority_id", "not_before"):
                state = "withdrawn" if k.withdrawn_at else ("signing" if k.is_active else "verify-only")
                self.stdout.write(f"{k.kid} {k.algorithm:6} {k.purpose:10} {state:11} "
                                  f"{k.not_before:%Y-%m-%d}..{k.not_after:%Y-%m-%d} {k.authority or '-'}")
        elif action == "withdraw":
            if not SigningKey.objects.filter(kid=opts["kid"]).exists():
                raise CommandError(f"no key {opts['kid']}")
            keys.withdraw_key(opts["kid"], acting_user=None, reason=opts["reason"])
            self.stdout.write(f"withdrew {opts['kid']}")
