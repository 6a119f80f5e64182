"""Forms of the safety app: they parse what was typed; services decide and act."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from panah.core.dates import DateField
from panah.people.models import ConsentMethod

from .models import (
    IncidentPersonRole,
    PlanMeasure,
    ReferralStatus,
    ReferralTo,
    RiskFactor,
    RiskLevel,
)
from .taxonomy import Category, Confidence, Country, PerpetratorIndicator, ReporterKind

SEALED_HELP = _("Sealed: only safety officers who unlocked their key can read it.")
CONSENT_METHODS = [(v, label) for v, label in ConsentMethod.choices if v != "not_applicable"]


def _date(label, required=True, either_calendar=False):
    field = DateField(label=label, required=required)
    if either_calendar:
        # A text box, so that a Solar Hijri date can be typed (a date picker is Gregorian only).
        field.widget = forms.TextInput(attrs={"placeholder": "2025-03-05 / 1403/12/15"})
        field.help_text = _("Gregorian (2025-03-05) or Solar Hijri (1403/12/15).")
    return field


class IncidentDetailsForm(forms.Form):
    """What is not sealed about an incident: recorded with it, corrected on its edit page."""

    category = forms.ChoiceField(label=_("What kind of threat"), choices=Category.choices)
    occurred_on = _date(_("When it happened"), either_calendar=True)
    country = forms.ChoiceField(label=_("Country where it happened"), choices=Country)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    indicators = forms.MultipleChoiceField(
        label=_("Signs of who is behind it"),
        choices=PerpetratorIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    confidence = forms.ChoiceField(label=_("How sure we are"), choices=Confidence.choices)
    reported_by = forms.ChoiceField(label=_("Who reported it"), choices=ReporterKind.choices)


class IncidentForm(IncidentDetailsForm):
    narrative = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=SEALED_HELP,
    )
    sources = forms.CharField(
        label=_("Sources (who told us, how to reach them)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=SEALED_HELP,
    )
    relatives = forms.CharField(
        label=_("Relatives inside Iran concerned (names, places)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=SEALED_HELP,
    )


class LinkPersonForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("How this person is concerned"),
                             choices=IncidentPersonRole.choices)  # fmt: skip


class SealedFactsForm(forms.Form):
    narrative = IncidentForm.base_fields["narrative"]
    sources = IncidentForm.base_fields["sources"]
    relatives = IncidentForm.base_fields["relatives"]


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Passphrase"), widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )


class NewKeyForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Choose a passphrase"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 12 characters. Panah cannot recover it: without it, only the escrow "
            "held by two administrators can give you access again."
        ),
    )
    repeat = forms.CharField(
        label=_("The passphrase again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("passphrase") and data.get("passphrase") != data.get("repeat"):
            self.add_error("repeat", _("The two passphrases differ."))
        return data


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file (JPEG, PNG or PDF)"),
        help_text=_("Location and camera details are removed from photos before sealing."),
    )


class AttachForm(forms.Form):
    case = forms.ChoiceField(label=_("Asylum case"))
    consent_given_on = _date(_("The person consented on"))
    consent_method = forms.ChoiceField(
        label=_("How the consent was recorded"), choices=CONSENT_METHODS
    )

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [(str(c.pk), c.short_ref) for c in cases]


class RiskForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    factors = forms.MultipleChoiceField(
        label=_("Risk factors"),
        choices=RiskFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    assessed_on = _date(_("Assessed on"))
    next_review_on = _date(_("Next review on"))


class PlanForm(forms.Form):
    measures = forms.MultipleChoiceField(
        label=_("Measures"), choices=PlanMeasure.choices, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    agreed_on = _date(_("Agreed on"))
    consent_given_on = _date(_("The person consented on"))
    consent_method = forms.ChoiceField(
        label=_("How the consent was recorded"), choices=CONSENT_METHODS
    )


class ReferralForm(forms.Form):
    referred_to = forms.ChoiceField(label=_("Refer to"), choices=ReferralTo.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    incident = forms.ChoiceField(label=_("Incident"), required=False)
    reference = forms.CharField(label=_("Their reference"), max_length=200, required=False)
    made_on = _date(_("Made on"), required=False)
    follow_up_on = _date(_("Follow up on"), required=False)
    consent_given_on = _date(_("The person consented on"))
    consent_method = forms.ChoiceField(
        label=_("How the consent was recorded"), choices=CONSENT_METHODS
    )

    def __init__(self, *args, incidents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].choices = [("", "—")] + [
            (str(i.pk), f"{i.occurred_on:%Y-%m-%d} · {i.get_category_display()}") for i in incidents
        ]


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    follow_up_on = _date(_("Follow up on"), required=False)


class GrantForm(forms.Form):
    officer_key = forms.UUIDField(widget=forms.HiddenInput)


class EscrowForm(forms.Form):
    first_holder = forms.ChoiceField(label=_("First share goes to"))
    second_holder = forms.ChoiceField(label=_("Second share goes to"))

    def __init__(self, *args, admins=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(u.pk), u.display_name or u.email) for u in admins]
        self.fields["first_holder"].choices = choices
        self.fields["second_holder"].choices = choices


class RecoveryForm(forms.Form):
    officer_key = forms.ChoiceField(label=_("Give access to the new key of"))
    first_share = forms.CharField(
        label=_("First share"), widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    second_share = forms.CharField(
        label=_("Second share"), widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer_key"].choices = [
            (str(k.pk), k.user.display_name or k.user.email) for k in keys
        ]
