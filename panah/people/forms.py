"""Forms of the people app: they validate; services act."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .erasure import ErasureReason
from .models import (
    LANGUAGE_CHOICES,
    ConsentCategory,
    ConsentMethod,
    DocumentKind,
    Gender,
    LegalBasis,
)
from .validators import NAME_MAX_LENGTH, PHONE_MAX_LENGTH, validate_name, validate_phone


class PersonForm(forms.Form):
    """A person's details; at least one name in either script."""

    given_name_fa = forms.CharField(
        label=_("Given name (Persian script)"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_name],
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa", "autocomplete": "off"}),
    )
    family_name_fa = forms.CharField(
        label=_("Family name (Persian script)"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_name],
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa", "autocomplete": "off"}),
    )
    given_name_latin = forms.CharField(
        label=_("Given name (Latin script)"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_name],
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    family_name_latin = forms.CharField(
        label=_("Family name (Latin script)"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_name],
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        validators=[validate_name],
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=PHONE_MAX_LENGTH,
        validators=[validate_phone],
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        names = ("given_name_fa", "family_name_fa", "given_name_latin", "family_name_latin")
        if not any(data.get(n) for n in names):
            raise forms.ValidationError(_("Give at least one name, in Persian or Latin script."))
        return data

    @classmethod
    def initial_for(cls, person) -> dict:
        return {name: getattr(person, name) for name in cls.base_fields}


class DocumentForm(forms.Form):
    """A document's kind and number, and optionally a scan or photo."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("JPEG, PNG or PDF. Location and camera data are removed from photos."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("document_number") and not data.get("file"):
            raise forms.ValidationError(_("Give the document number, a file, or both."))
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or document number"), max_length=200, required=False)


class ErasureForm(forms.Form):
    """Why a person is erased, and a typed confirmation: erasure cannot be undone."""

    reason = forms.ChoiceField(label=_("Reason"), choices=())
    confirm = forms.BooleanField(
        label=_("I understand that this person's data will be unreadable for good, in backups too.")
    )

    def __init__(self, *args, **kwargs) -> None:

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *ErasureReason.choices]


class SubjectAccessForm(forms.Form):
    """The language and format of a subject access export."""

    language = forms.ChoiceField(label=_("Language of the export"), choices=settings.LANGUAGES)
    format = forms.ChoiceField(
        label=_("Format"), choices=[("pdf", _("PDF (readable)")), ("json", _("JSON (complete)"))]
    )


class ConsentForm(forms.Form):
    """A consent or another legal basis for one category of a person's data."""

    category = forms.ChoiceField(label=_("Category of data"), choices=ConsentCategory.choices)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    given_on = forms.DateField(
        label=_("Given or established on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    how_recorded = forms.ChoiceField(label=_("How it was recorded"), choices=ConsentMethod.choices)

    def clean(self):
        data = super().clean()
        # Consent needs a trace the person gave it; the other bases do not rest on the person.
        if (
            data.get("legal_basis") == LegalBasis.CONSENT
            and data.get("how_recorded") == ConsentMethod.NOT_APPLICABLE
        ):
            self.add_error("how_recorded", _("Say how the person gave their consent."))
        return data
