"""Electronic licences (电子证照), their versions and the keys that sign them."""

from __future__ import annotations

from django.db import models

from medreg.core.pii import EncryptedTextField
from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.licences.choices import LicenceKind, LicenceStatus


class SigningKey(models.Model):
    """An ES256 document-signing key of an issuing authority. The private key is encrypted at rest."""

    kid = models.CharField(max_length=16, unique=True)  # hex of the 8-byte key id
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="signing_keys")
    algorithm = models.CharField(max_length=10, default="ES256")
    public_key_pem = models.TextField()
    private_key_pem = EncryptedTextField()
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.authority} {self.kid}"


class ELicence(models.Model):
    """One version of an e-licence. A new version supersedes the previous on every approved change."""

    kind = models.CharField(max_length=12, choices=LicenceKind.choices)
    identifier = models.CharField(max_length=120, unique=True)  # GB/T 36904 电子证照标识, version included
    serial = models.CharField(max_length=40, db_index=True)  # stable across versions
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=LicenceStatus.choices, default=LicenceStatus.VALID)
    status_index = models.PositiveIntegerField(unique=True)  # slot in the status list
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="licences")
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="licences"
    )
    registration = models.ForeignKey(
        "people.PracticeRegistration", null=True, blank=True, on_delete=models.PROTECT, related_name="licences"
    )
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="licences")
    authority_division_code = models.CharField(max_length=6, db_index=True)
    holder_name = models.CharField(max_length=120)
    licence_no = models.CharField(max_length=32)
    data = models.JSONField(default=dict)  # the permit fields shown on the licence face
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="licences")
    qr_payload = models.TextField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority", institution="institution", person="person"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["serial", "version"], name="uniq_licence_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.licence_no} v{self.version}"
