"""Persons and households: the one home of personal data, every personal field encrypted.

A Person owns a data key (wrapped by the organisation key, see panah.core.crypto). Records of
other apps that hold personal data about a person (documents here, cases and safety files
later) point to the person and encrypt with the person's key: `data_key()` returns it.
Search by name or document number goes through PersonToken, a blind index of keyed hashes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from panah.core.crypto.fields import (
    DataKeyHolder,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
    field_context,
)
from panah.core.crypto.keys import DataKey
from panah.core.models import Organisation


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Another gender")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


# Languages a person may speak, stored as codes (Persian, Kurdish, Azerbaijani, Balochi...).
LANGUAGE_CHOICES = [
    ("fa", _("Persian")),
    ("ku", _("Kurdish")),
    ("az", _("Azerbaijani")),
    ("bal", _("Balochi")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
]


class Household(models.Model):
    """People who live and move together (a family); holds no personal data itself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="households"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"household {str(self.pk)[:8]}"


class Person(DataKeyHolder):
    """A refugee or relative the organisation works with. Every personal field is encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    given_name_fa = EncryptedTextField(_("given name (Persian script)"), blank=True)
    family_name_fa = EncryptedTextField(_("family name (Persian script)"), blank=True)
    given_name_latin = EncryptedTextField(_("given name (Latin script)"), blank=True)
    family_name_latin = EncryptedTextField(_("family name (Latin script)"), blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), blank=True)
    gender = EncryptedTextField(_("gender"), blank=True, choices=Gender.choices)
    nationality = EncryptedTextField(_("nationality"), blank=True)
    languages = EncryptedJSONField(_("languages"), default=list, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("email address"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # Set when the person's data was erased (crypto-shredded); the row stays as a tombstone so
    # that cases keep counting. See panah.people.erasure.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["organisation", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(data_key_wrapped__isnull=True)
                | (~models.Q(data_key_id="") & ~models.Q(data_key_org_key_id="")),
                name="person_data_key_has_ids",
            ),
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=True)
                | models.Q(data_key_wrapped__isnull=True),
                name="person_erased_has_no_data_key",
            ),
        ]

    def __str__(self) -> str:
        # Never a name: this ends up in logs and error reports.
        return f"person {str(self.pk)[:8]}"

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def name_latin(self) -> str:
        if self.erased_at is not None:
            return str(_("Erased person"))
        return " ".join(n for n in (self.given_name_latin, self.family_name_latin) if n)

    @property
    def name_fa(self) -> str:
        if self.erased_at is not None:
            return ""
        return " ".join(n for n in (self.given_name_fa, self.family_name_fa) if n)

    @property
    def language_names(self) -> list[str]:
        labels = dict(LANGUAGE_CHOICES)
        return [str(labels.get(code, code)) for code in self.languages or []]


# The columns a person's name needs (with its key to decrypt it and the erasure mark): a long
# list that shows names only loads these (`.only()`), not every sealed field of each person.
NAME_COLUMNS = (
    "organisation",
    "data_key_wrapped",
    "data_key_id",
    "data_key_org_key_id",
    "given_name_fa",
    "family_name_fa",
    "given_name_latin",
    "family_name_latin",
    "erased_at",
)


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    IDENTITY_CARD = "identity_card", _("Identity card")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    ASYLUM_REGISTRATION = "asylum_registration", _("Asylum registration (annex 26)")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other document")


class PersonDocument(models.Model):
    """A document of a person: its number and the uploaded file, both encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    document_number = EncryptedTextField(_("document number"), blank=True)
    original_name = EncryptedTextField(_("file name"), blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    # Random name of the encrypted file on disk (panah.core.crypto.files), or "" without a file.
    stored_file = models.CharField(max_length=32, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DocumentKind.values), name="persondocument_kind_known"
            ),
            models.UniqueConstraint(
                fields=["stored_file"],
                condition=~models.Q(stored_file=""),
                name="persondocument_file_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"document {str(self.pk)[:8]}"

    def data_key(self) -> DataKey:
        """The person's data key encrypts their documents too."""
        return self.person.data_key()

    def file_context(self) -> bytes:
        return field_context(self._meta.db_table, "stored_file", self.pk)


class TokenKind(models.TextChoices):
    NAME = "name", _("Name")
    DOCUMENT = "document", _("Document number")


class PersonToken(models.Model):
    """One blind-index entry: a keyed hash of a normalised name word or document number."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=16, choices=TokenKind.choices)
    # The organisation key the hash was made with (search hashes under each of them).
    key_id = models.CharField(max_length=32)
    digest = models.CharField(max_length=32)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        indexes = [models.Index(fields=["organisation", "digest"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "digest"], name="persontoken_unique_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=TokenKind.values), name="persontoken_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} token"


class ConsentCategory(models.TextChoices):
    """What the consent or legal basis covers: the GDPR art. 9 special categories, and contact."""

    POLITICAL_OPINION = "political_opinion", _("Political opinion")
    ETHNIC_ORIGIN = "ethnic_origin", _("Ethnic origin")
    RELIGION = "religion", _("Religious or philosophical belief")
    HEALTH = "health", _("Health")
    CONTACT_DETAILS = "contact_details", _("Contact details")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Explicit consent (art. 6(1)(a) and 9(2)(a))")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (art. 9(2)(c))")
    NOT_FOR_PROFIT = (
        "not_for_profit",
        _("Legitimate activities of a not-for-profit body (art. 9(2)(d))"),
    )
    LEGAL_CLAIMS = "legal_claims", _("Legal claims (art. 9(2)(f))")


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed form")
    ORAL_WITH_WITNESS = "oral_with_witness", _("Oral, with a witness")
    EMAIL = "email", _("Email")
    WRITTEN_MESSAGE = "written_message", _("Written message (SMS, messaging app)")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (another legal basis)")


class ConsentRecord(models.Model):
    """The legal basis on which one category of a person's data is held, and since when.

    Holds no free text on purpose: every column is a code or a date, so nothing personal needs
    encrypting and the record survives an erasure as a count.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    category = models.CharField(_("category"), max_length=32, choices=ConsentCategory.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    given_on = models.DateField(_("given or established on"))
    how_recorded = models.CharField(
        _("how it was recorded"), max_length=32, choices=ConsentMethod.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["category", "-given_on"]
        verbose_name = _("consent or legal basis")
        verbose_name_plural = _("consents and legal bases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=ConsentCategory.values),
                name="consentrecord_category_known",
            ),
            models.CheckConstraint(
                condition=models.Q(legal_basis__in=LegalBasis.values),
                name="consentrecord_legal_basis_known",
            ),
            models.CheckConstraint(
                condition=models.Q(how_recorded__in=ConsentMethod.values),
                name="consentrecord_method_known",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="consentrecord_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {str(self.pk)[:8]}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None
