"""Forms of the cases app: they parse and validate what was typed; services decide and act."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from panah.core import dates
from panah.core.forms import LongSelect
from panah.core.spreadsheets import MB
from panah.core.uploads import check_size

from . import labels
from .importing import FIELDS, LIMITS
from .models import (
    AppointmentKind,
    ConsentForm,
    NotificationModeChoice,
    ProcedureLanguage,
    ProcedureType,
    ReferralKind,
    ResidenceCommunication,
)


def _date(label, required=True, help_text=""):
    return dates.DateField(label=label, required=required, help_text=help_text)


class OpenCaseForm(forms.Form):
    procedure = forms.ChoiceField(label=_("Procedure"), choices=ProcedureType.choices)
    registered_on = _date(_("Application registered on"))
    language = forms.ChoiceField(
        label=_("Language of the procedure"),
        choices=[("", "—"), *ProcedureLanguage.choices],
        required=False,
    )
    detained = forms.BooleanField(label=_("Detained"), required=False)
    accelerated = forms.BooleanField(label=_("Accelerated procedure"), required=False)


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find the person (name in either script, or document number)"),
        max_length=100,
        required=False,
    )


class StepForm(forms.Form):
    """One step of the procedure: the step was chosen first, so only its outcomes are offered."""

    code = forms.CharField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    occurred_on = _date(_("Date of the step or decision"))
    notification_mode = forms.ChoiceField(
        label=_("How was it notified?"),
        choices=[("", "—"), *NotificationModeChoice.choices],
        required=False,
    )
    sent_on = _date(
        _("Sent (posted) or handed over on"),
        required=False,
        help_text=_(
            "A registered letter counts as received on the third working day after it was posted."
        ),
    )
    received_on = _date(_("Actually received on"), required=False)
    receipt_proven = forms.BooleanField(
        label=_("The later receipt can be proven (e.g. the post office's slip)"), required=False
    )
    document_reference = forms.CharField(
        label=_("Reference of the document (e.g. CGRS file number)"), max_length=100, required=False
    )

    def __init__(self, *args, step_rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_rule = step_rule
        if step_rule is not None and step_rule.outcomes:
            self.fields["outcome"].choices = [("", "—")] + [
                (o, labels.outcome_label(o)) for o in step_rule.outcomes
            ]
            self.fields["outcome"].required = True
        else:
            del self.fields["outcome"]
        if step_rule is not None and not step_rule.is_decision:
            for name in ("notification_mode", "sent_on", "received_on", "receipt_proven"):
                del self.fields[name]


class CorrectStepForm(StepForm):
    """A corrected step: every field of a step, any step of the table, and why."""

    code = forms.ChoiceField(label=_("Step"))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    reason = forms.CharField(
        label=_("Why is the step corrected?"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, table=None, **kwargs):
        super().__init__(*args, step_rule=None, **kwargs)
        self.fields["code"].choices = [(c, labels.step_label(c)) for c in table.steps]
        outcomes = sorted({o for s in table.steps.values() for o in s.outcomes})
        self.fields["outcome"] = forms.ChoiceField(
            label=_("Outcome (decisions only)"),
            choices=[("", "—")] + [(o, labels.outcome_label(o)) for o in outcomes],
            required=False,
        )


class MembersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.email


class AssignForm(forms.Form):
    caseworkers = MembersField(
        label=_("Caseworkers"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworkers"].queryset = users


class RestrictForm(forms.Form):
    restricted = forms.BooleanField(
        label=_("Only the members named below may open this case"), required=False
    )
    members = MembersField(
        label=_("Members who may open it"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = users


class OnTheCasePage(forms.Form):
    """A form drawn beside the others on the case page: its element ids carry its name
    (appointment_kind, referral_kind), so no two fields of the page share an id."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ResidenceForm(OnTheCasePage):
    id_prefix = "residence"

    address = forms.CharField(
        label=_("Chosen address for the procedure"), widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_from = _date(_("Valid from"))
    communicated_how = forms.ChoiceField(
        label=_("How were the authorities told?"), choices=ResidenceCommunication.choices
    )


class NoteForm(OnTheCasePage):
    id_prefix = "note"

    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )


class DocumentForm(OnTheCasePage):
    id_prefix = "document"

    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class AppointmentForm(OnTheCasePage):
    id_prefix = "appointment"

    kind = forms.ChoiceField(label=_("Kind"), choices=AppointmentKind.choices)
    day = _date(_("Day"))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), initial=60, min_value=5, max_value=1440
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    attendee = forms.ModelChoiceField(
        label=_("Who goes with the person"), queryset=None, required=False, widget=LongSelect
    )

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee"].queryset = users
        self.fields["attendee"].label_from_instance = lambda u: u.display_name or u.email


class ReferralForm(OnTheCasePage):
    id_prefix = "referral"

    kind = forms.ChoiceField(label=_("Refer to"), choices=ReferralKind.choices)
    recipient = forms.CharField(label=_("Lawyer or organisation"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), max_length=500, required=False)
    consent_on = _date(_("The person consented on"), required=False)
    consent_how = forms.ChoiceField(
        label=_("How the consent was recorded"),
        choices=[("", "—"), *ConsentForm.choices],
        required=False,
    )
    consent_scope = forms.CharField(
        label=_("What the person agreed to share"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class RuleEditForm(forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=0, max_value=3650, required=False)
    months = forms.IntegerField(label=_("Months"), min_value=0, max_value=120, required=False)
    source = forms.CharField(label=_("Legal source"), widget=forms.Textarea(attrs={"rows": 3}))
    effective_from = _date(
        _("Applies to notifications from"),
        help_text=_("Decisions notified before this date keep the deadline they had."),
    )
    reason = forms.CharField(label=_("Why it changed"), max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (CSV in UTF-8, or XLSX)"))
    mapping = forms.CharField(
        label=_("Column mapping (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=_(
            'JSON: field name → your column header, e.g. {"external_reference": "File no."}'
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check only, save nothing"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, in the language of the request.
        self.fields["file"].help_text = _("At most %(mb)s MB and %(rows)s rows.") % {
            "mb": LIMITS.file_bytes // MB,
            "rows": f"{LIMITS.rows:,}",
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_size(upload, LIMITS.file_bytes)
        return upload

    def clean_mapping(self) -> dict:
        text = self.cleaned_data["mapping"].strip()
        if not text:
            return {}
        try:
            mapping = json.loads(text)
        except ValueError:
            raise ValidationError(_("The mapping is not valid JSON.")) from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise ValidationError(_("The mapping is an object of field names and column headers."))
        unknown = sorted(set(mapping) - set(FIELDS))
        if unknown:
            raise ValidationError(
                _("Unknown fields: %(names)s. Known fields: %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(FIELDS)}
            )
        return mapping
