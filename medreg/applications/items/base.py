"""What a business item declares: identity, parties, review chain, clock, form, checks and effect."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise

from medreg.applications.choices import AttachmentKind, Stage, Subject
from medreg.core.errors import ErrorItem

if TYPE_CHECKING:
    from medreg.accounts.models import Authority, User
    from medreg.applications.models import Application
    from medreg.institutions.models import Institution
    from medreg.people.models import Person, PracticeRegistration


@dataclass(frozen=True)
class FieldSpec:
    """One form field, rendered by the portal and documented in the API and the service guide."""

    name: str
    label: str | Promise
    kind: str  # text | choice | multichoice | institution | qualification | division | boolean | date
    #            | registration (one of the applicant's own registrations) | practice_site (a filed site)
    required: bool = True
    help_text: str | Promise = ""
    choices_table: str | None = None  # reference code table for choice fields
    autofill: str | None = None  # where the value comes from (archive, qualification, institution)
    max_length: int | None = None
    options: tuple[tuple[str, str | Promise], ...] = ()  # static choices for "choice" fields without a table


@dataclass(frozen=True)
class AttachmentSpec:
    kind: AttachmentKind
    required: bool = True
    images_only: bool = False
    help_text: str | Promise = ""


@dataclass(frozen=True)
class Parties:
    """Who an application is about and who handles it."""

    person: Person | None
    institution: Institution | None
    authority: Authority
    co_institution: Institution | None = None  # a second institution that must confirm too
    target_registration: PracticeRegistration | None = None  # the registration the application changes


@dataclass
class BusinessItem(ABC):
    """Base class. Subclasses set the class attributes and implement the hooks."""

    code: ClassVar[str]
    name: ClassVar[str | Promise]
    subject: ClassVar[Subject]
    applicant: ClassVar[str]  # "individual" or "institution"
    review_chain: ClassVar[tuple[Stage, ...]]
    statutory_limit_days: ClassVar[int]
    legal_basis: ClassVar[str | Promise] = ""
    description: ClassVar[str | Promise] = ""
    fields: ClassVar[tuple[FieldSpec, ...]] = ()
    attachments: ClassVar[tuple[AttachmentSpec, ...]] = ()
    materials_note: ClassVar[str | Promise] = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_institution_confirmation(self) -> bool:
        return Stage.INSTITUTION in self.review_chain

    def offered_to(self, person: Person) -> bool:
        """Whether the personal side offers the item to ``person`` now (e.g. 延续注册 only near expiry)."""
        return True

    # Hooks ---------------------------------------------------------------------------------
    def initial_data(self, *, user: User) -> dict[str, Any]:
        """Values to prefill the form with (from the archive, the qualification records, ...)."""
        return {}

    @abstractmethod
    def clean(self, data: dict[str, Any], *, user: User, partial: bool = False) -> dict[str, Any]:
        """Validate and normalise the form data. Raise DomainError with every field error at once.

        ``partial`` is set while saving a draft: required fields may be missing then.
        """

    @abstractmethod
    def parties(self, data: dict[str, Any], *, user: User) -> Parties:
        """Resolve the person, the confirming institution and the deciding authority."""

    def prechecks(self, application: Application) -> list[ErrorItem]:
        """Business rules checked at submission and again at decision time."""
        return []

    @abstractmethod
    def on_approve(self, application: Application, *, acting_user: User | None) -> dict[str, Any]:
        """Apply the decision to the registry. Runs inside the approval transaction."""
