"""Forms of the evidence app: they validate; services act."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from panah.core.uploads import memory_limit

from . import importing, queries
from .models import SourceKind, Verification

FIELD_LABELS = {
    "source_reference": _("Source reference (required)"),
    "url": _("Link"),
    "publication_date": _("Publication date"),
    "name_as_written": _("Name as written"),
    "father_name": _("Father's name"),
    "age": _("Age"),
    "gender": _("Gender"),
    "ethnicity": _("Ethnicity"),
    "nationality": _("Nationality"),
    "province": _("Province"),
    "city": _("City"),
    "prison": _("Prison"),
    "charge_category": _("Charge category"),
    "charge_text": _("Charge as written"),
    "date_as_written": _("Execution date as written"),
    "calendar": _("Calendar"),
    "announced": _("Officially announced"),
    "verification": _("Verification"),
    "identity_confirmed": _("Identity confirmed"),
    "notes": _("Notes"),
}


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices)
    language = forms.CharField(
        label=_("Language"),
        max_length=35,
        required=False,
        help_text=_("The language its reports are written in, as a code: fa, en, ku..."),
    )
    reliability_notes = forms.CharField(
        label=_("Reliability notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the source verifies its reports, its periods, what it leaves out."),
    )


class ReportFilterForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Source"), queryset=None, required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    verification = forms.ChoiceField(
        label=_("Verification"),
        choices=[("", _("Any"))] + list(Verification.choices),
        required=False,
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_("In either script: Hosseini also finds حسینی, and the reverse."),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = queries.source_choices(organisation)
        self.fields["year"].choices = [("", _("Any"))] + [
            (y, str(y)) for y in queries.report_years(organisation)
        ]


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Source"), queryset=None)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8), XLSX or JSON, at most %(mb)s MB. The first row names the columns."
        )
        % {"mb": importing.MAX_FILE_BYTES // importing.MB},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = queries.source_choices(organisation)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # A file over the request's memory limit arrives empty (panah.core.uploads).
        limit = min(importing.MAX_FILE_BYTES, memory_limit())
        if getattr(upload, "refused", False) or upload.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is %(size).1f MB; the limit is %(limit)s MB. Split it into smaller files."
                )
                % {
                    "size": upload.size / importing.MB,
                    "limit": limit // importing.MB,
                }
            )
        try:
            importing.detect_format(upload.name)
        except importing.ImportRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


IGNORE = importing.IGNORE
UNCHOSEN = ""


class MappingForm(forms.Form):
    """One select per column of the file: which of our fields it feeds, or "ignore".

    A column the import does not recognise starts unchosen and must be mapped or ignored
    explicitly: no column's data is dropped without the member saying so.
    """

    def __init__(self, *args, columns: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [
            (UNCHOSEN, _("— choose —")),
            (IGNORE, _("— ignore this column —")),
        ] + [(name, f"{FIELD_LABELS[name]} ({name})") for name in importing.FIELD_NAMES]
        for index, column in enumerate(columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column or _("(column without a name)"),
                choices=choices,
                required=False,
                initial=initial_mapping.get(column, UNCHOSEN),
            )

    def preview_mapping(self) -> dict[str, str]:
        """{column: field} as chosen so far (unchosen and ignored columns left out; a field
        chosen twice feeds from its first column): what the preview reads with."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        mapping: dict[str, str] = {}
        for index, column in enumerate(self.columns):
            name = f"column_{index}"
            target = data.get(name) if self.is_bound else self.fields[name].initial
            if column and target not in (None, UNCHOSEN, IGNORE) and target not in mapping.values():
                mapping[column] = target
        return mapping

    def clean(self):
        data = super().clean()
        chosen = {
            column: data.get(f"column_{index}") or UNCHOSEN
            for index, column in enumerate(self.columns)
            if column
        }
        unchosen = [column for column, target in chosen.items() if target == UNCHOSEN]
        self.mapping = {
            column: IGNORE if target == UNCHOSEN else target for column, target in chosen.items()
        }
        missing = [f for f in importing.REQUIRED_COLUMNS if f not in self.mapping.values()]
        if missing:
            # Said in the page's words: the command line's advice (a mapping file) is no help here.
            raise forms.ValidationError(
                _("Choose a column for each of these fields: %(fields)s.")
                % {"fields": ", ".join(str(FIELD_LABELS[f]) for f in missing)}
            )
        try:
            importing.resolve_mapping(self.columns, self.mapping)
        except importing.ImportRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        if unchosen:
            raise forms.ValidationError(
                _(
                    "Choose a field for each column, or ignore it: %(columns)s. Nothing is "
                    "left out without your say."
                )
                % {"columns": ", ".join(unchosen)}
            )
        return data
