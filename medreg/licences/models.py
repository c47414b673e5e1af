"""Electronic licences (电子证照), their versions and the keys that sign them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from medreg.core.pii import EncryptedTextField
from medreg.core.scoping import ScopedQuerySet, ScopeSpec
from medreg.licences.choices import LicenceKind, LicenceStatus


class KeyPurpose(models.TextChoices):
    DOCUMENT = "document", _("证照签名")
    TRUST_LIST = "trust_list", _("信任列表签名")


class SigningKey(models.Model):
    """A signing key (ES256 or EdDSA). The private key is encrypted at rest.

    Document keys belong to an issuing authority; the one trust-list key (no authority) signs the
    published trust list. ``is_active`` means "signs new licences"; a rotated-out key stays on the
    trust list, verifying what it signed, until ``not_after`` (the overlap period).
    """

    kid = models.CharField(max_length=16, unique=True)  # hex of the 8-byte key id
    authority = models.ForeignKey(
        "accounts.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="signing_keys"
    )
    purpose = models.CharField(max_length=12, choices=KeyPurpose.choices, default=KeyPurpose.DOCUMENT)
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


class ELicenceQuerySet(ScopedQuerySet["ELicence"]):
    def by_identifier(self, serial: str, version: int, identifier: str) -> ELicenceQuerySet:
        """The licence version with this 电子证照标识 (parsed into its 流水号 and 版本号 by
        ``identifiers.validate_elicence_identifier``), found through (serial, version): unique and indexed."""
        return self.filter(serial=serial, version=version, identifier=identifier)


class ELicence(models.Model):
    """One version of an e-licence. A new version supersedes the previous on every approved change."""

    kind = models.CharField(max_length=12, choices=LicenceKind.choices)
    # GB/T 36904 电子证照标识 ``root.type.issuer.流水号.版本号.校验位``. Not indexed of its own: it contains
    # (serial, version), which uniq_licence_version keeps unique, and lookups go through that index
    # (see ``by_identifier``). One B-tree fewer on the widest column makes bulk issuance faster.
    identifier = models.CharField(max_length=120)
    serial = models.CharField(max_length=40)  # stable across versions (indexed by uniq_licence_version)
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=LicenceStatus.choices, default=LicenceStatus.VALID)
    status_index = models.PositiveIntegerField()  # random slot in the issuing authority's status list
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="licences")
    # The FK indexes below are covered by the composite indexes and constraints in Meta (fewer indexes:
    # faster bulk issuance).
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="licences",
        db_index=False,
    )
    registration = models.ForeignKey(
        "people.PracticeRegistration", null=True, blank=True, on_delete=models.PROTECT, related_name="licences",
        db_index=False,
    )
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="licences",
                                  db_index=False)
    authority_division_code = models.CharField(max_length=6)  # indexed for prefix (scope) matches in Meta
    holder_name = models.CharField(max_length=120)
    licence_no = models.CharField(max_length=32)
    data = models.JSONField(default=dict)  # the permit fields shown on the licence face
    # not indexed: keys are never deleted, and no query selects licences by their key
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="licences", db_index=False)
    qr_payload = models.TextField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)

    scope = ScopeSpec(
        division="authority_division_code", authority="authority", institution="institution", person="person"
    )
    objects = ELicenceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["serial", "version"], name="uniq_licence_version"),
            models.UniqueConstraint(fields=["authority", "status_index"], name="uniq_licence_status_slot"),
        ]
        # partial: a practitioner's licence is not entered in the institution index, nor the reverse.
        # The division code is only ever matched by prefix (jurisdiction scoping: LIKE 'code%'), which
        # one pattern_ops index serves on PostgreSQL, equality included; SQLite ignores the opclass.
        indexes = [
            models.Index(fields=["authority_division_code"], name="licence_division_prefix",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["registration", "version"], name="licence_registration_version",
                         condition=models.Q(registration__isnull=False)),
            models.Index(fields=["institution", "version"], name="licence_institution_version",
                         condition=models.Q(institution__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.licence_no} v{self.version}"


class LicenceCheck(models.Model):
    """A logged 查验 (function-based check) by a signed-in verifier, with the reason (申请事由) given."""

    checked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="licence_checks")
    licence = models.ForeignKey(ELicence, null=True, blank=True, on_delete=models.PROTECT, related_name="checks")
    identifier = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=200)  # 申请事由
    item_code = models.CharField(max_length=40, blank=True)  # 事项编码 of the verifier's service, if any
    result = models.CharField(max_length=20)
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.identifier} {self.result} {self.checked_at:%Y-%m-%d %H:%M}"


class StatusListSnapshot(models.Model):
    """The last signed status list of one authority, kept so that every request gets the same bytes and ETag.

    Regenerated on demand when older than the last status change (``dirty``) or one minute.
    """

    authority = models.OneToOneField("accounts.Authority", on_delete=models.CASCADE, related_name="+")
    body = models.BinaryField()
    etag = models.CharField(max_length=80)
    generated_at = models.DateTimeField()
    dirty = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"status list {self.authority_id} {self.generated_at:%Y-%m-%d %H:%M:%S}"
