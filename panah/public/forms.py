"""The publish form: which of the statistics page's figures to freeze for the public page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from panah.evidence.statistics import DIMENSIONS, VERIFICATION_SCOPES

TABLE_CHOICES = [
    ("yearly", _("Counts per year")),
    ("monthly", _("Counts per month of the chosen year (Gregorian)")),
    ("jalali_monthly", _("Counts per month of the chosen Persian year")),
    *[
        (d, _("By %(dimension)s in the chosen year") % {"dimension": label})
        for d, label in DIMENSIONS.items()
    ],
]


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    tables = forms.MultipleChoiceField(
        label=_("Tables"),
        choices=TABLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    estimate = forms.ChoiceField(
        label=_("Estimate"),
        choices=[
            ("", _("No estimate")),
            ("year", _("For the chosen year")),
            ("all", _("For all dates")),
        ],
        required=False,
    )
    verification = forms.ChoiceField(choices=list(VERIFICATION_SCOPES.items()), required=False)
    named_only = forms.BooleanField(required=False)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2200)
    jyear = forms.IntegerField(required=False, min_value=1300, max_value=1600)

    def clean(self):
        data = super().clean()
        if not data.get("tables") and not data.get("estimate"):
            raise forms.ValidationError(_("Choose at least one table or the estimate to publish."))
        needs_year = {"monthly", *DIMENSIONS} & set(data.get("tables") or [])
        if (needs_year or data.get("estimate") == "year") and not data.get("year"):
            raise forms.ValidationError(_("Choose the year first."))
        if "jalali_monthly" in (data.get("tables") or []) and not data.get("jyear"):
            raise forms.ValidationError(_("Choose the Persian year first."))
        return data
