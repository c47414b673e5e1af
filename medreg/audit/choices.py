"""Audit event types. Numbers are stable and never reused: partners and the legal record rely on them."""

from django.db import models


class EventType(models.IntegerChoices):
    # accounts 100-199
    AUTHORITY_CREATED = 100, "authority.created"
    STAFF_ACCOUNT_CREATED = 101, "account.staff_created"
    INSTITUTION_ACCOUNT_CREATED = 102, "account.institution_created"
    INDIVIDUAL_REGISTERED = 103, "account.individual_registered"
    ACTIVATION_REQUESTED = 104, "account.activation_requested"
    ACTIVATION_CODE_SENT = 105, "account.activation_code_sent"
    ACCOUNT_ACTIVATED = 106, "account.activated"
    ACTIVATION_FAILED = 107, "account.activation_failed"
    INSTITUTION_SETTINGS_CHANGED = 108, "institution.settings_changed"
    LOGIN_SUCCEEDED = 110, "auth.login"
    LOGIN_FAILED = 111, "auth.login_failed"
    API_TOKEN_ISSUED = 112, "auth.token_issued"
    MEMBERSHIP_GRANTED = 113, "account.membership_granted"
    # registry 200-299
    PERSON_CREATED = 200, "person.created"
    REGISTRATION_CREATED = 201, "registration.created"
    REGISTRATION_ACTIVATED = 202, "registration.activated"
    INSTITUTION_CREATED = 210, "institution.created"
    QUALIFICATION_LINKED = 220, "qualification.linked"
    QUALIFICATION_IMPORTED = 221, "qualification.imported"
    LEGACY_IMPORTED = 222, "registry.legacy_imported"
    # applications 300-399
    APPLICATION_CREATED = 300, "application.created"
    APPLICATION_UPDATED = 301, "application.updated"
    APPLICATION_SUBMITTED = 302, "application.submitted"
    APPLICATION_CONFIRMED = 303, "application.institution_confirmed"
    APPLICATION_RETURNED = 304, "application.institution_returned"
    APPLICATION_CORRECTION_REQUESTED = 305, "application.correction_requested"
    APPLICATION_RESUBMITTED = 306, "application.resubmitted"
    APPLICATION_ACCEPTED = 307, "application.accepted"
    APPLICATION_REVIEWED = 308, "application.reviewed"
    APPLICATION_APPROVED = 309, "application.approved"
    APPLICATION_REFUSED = 310, "application.refused"
    APPLICATION_WITHDRAWN = 311, "application.withdrawn"
    ATTACHMENT_ADDED = 312, "application.attachment_added"
    ATTACHMENT_REMOVED = 313, "application.attachment_removed"
    # licences 400-499
    LICENCE_ISSUED = 400, "licence.issued"
    LICENCE_REVOKED = 401, "licence.revoked"
    LICENCE_SUPERSEDED = 402, "licence.superseded"
    SIGNING_KEY_CREATED = 410, "licence.signing_key_created"
    # personal data 500-599
    PII_VIEWED = 500, "pii.viewed"
    # system 900-999
    REFERENCE_LOADED = 900, "reference.loaded"
    DEMO_LOADED = 901, "demo.loaded"
