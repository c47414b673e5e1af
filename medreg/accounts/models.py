"""Users, authorities (a commission or bureau at a division) and role memberships."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from medreg.accounts.choices import AuthorityKind, AuthorityLevel, Role, UserKind
from medreg.core.pii import EncryptedTextField
from medreg.core.scoping import ScopedQuerySet, ScopeInfo, ScopeSpec


class Authority(models.Model):
    """A health commission or approval bureau at the national, province, city or county level."""

    name = models.CharField(max_length=120)
    level = models.CharField(max_length=10, choices=AuthorityLevel.choices)
    kind = models.CharField(max_length=20, choices=AuthorityKind.choices, default=AuthorityKind.COMMISSION)
    division = models.ForeignKey("reference.Division", null=True, blank=True, on_delete=models.PROTECT)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    uscc = models.CharField(max_length=18, blank=True)
    division_code = models.CharField(max_length=6, blank=True, db_index=True)  # "" for national
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    scope = ScopeSpec(division="division_code", authority="pk")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "authorities"
        ordering = ["division_code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def division_prefix(self) -> str:
        if self.level == AuthorityLevel.NATIONAL or self.division is None:
            return ""
        return self.division.prefix


class User(AbstractUser):
    """A real-name account. Staff and institution accounts are created top-down; individuals register."""

    kind = models.CharField(max_length=12, choices=UserKind.choices, default=UserKind.INDIVIDUAL)
    real_name = models.CharField(max_length=60, blank=True)
    phone = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    totp_secret = EncryptedTextField(blank=True)
    created_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = UserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.real_name or self.username

    def build_scope_info(self) -> ScopeInfo:
        info = ScopeInfo(authenticated=True, national=self.is_superuser)
        for m in self.memberships.filter(is_active=True).select_related("authority__division"):
            info.roles.add((m.role, m.authority_id, m.institution_id))
            if m.authority_id:
                info.authority_ids.add(m.authority_id)
                prefix = m.authority.division_prefix if m.authority else ""
                if prefix == "":
                    info.national = True
                info.division_prefixes.add(prefix)
            if m.institution_id:
                info.institution_ids.add(m.institution_id)
        if self.kind == UserKind.INDIVIDUAL and self.person_id:
            info.person_id = self.person_id
        return info


class Membership(models.Model):
    """A role held by a user at one authority or one institution."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    authority = models.ForeignKey(Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships")
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=24, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(authority__isnull=False, institution__isnull=True)
                           | models.Q(authority__isnull=True, institution__isnull=False)),
                name="membership_one_target",
            ),
            models.UniqueConstraint(fields=["user", "authority", "institution", "role"], name="uniq_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.authority or self.institution}"


class ApiToken(models.Model):
    """A bearer token for partner systems and scripts. Only a hash of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
