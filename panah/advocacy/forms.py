"""Forms of the advocacy pages: they parse and check the shape; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from panah.core.models import User

from .models import LANGUAGES, Demand, Event, Meeting, Official, Partner
from .services import EVENT_FIELDS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RTL = {"dir": "rtl", "lang": "fa"}


def _members(organisation) -> forms.ModelMultipleChoiceField:
    return User.objects.filter(
        memberships__organisation=organisation, memberships__removed_at__isnull=True
    ).order_by("display_name", "email")


class EventForm(forms.ModelForm):
    # Declared here: a model form's default choices would query outside the organisation's scope.
    co_organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organisers"), queryset=Partner.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    demands = forms.ModelMultipleChoiceField(
        label=_("Demands"), queryset=Demand.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    map_link = forms.URLField(label=_("Map link"), required=False, assume_scheme="https",
                              help_text=_("A link readers may follow; no map is embedded."))  # fmt: skip

    class Meta:
        model = Event
        fields = [*EVENT_FIELDS, "co_organisers", "demands"]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "permit_deadline": DATE,
            "title_fa": forms.TextInput(attrs=RTL),
            "purpose_fa": forms.Textarea(attrs={**RTL, "rows": 3}),
            **{f"purpose_{c}": forms.Textarea(attrs={"rows": 3}) for c in LANGUAGES if c != "fa"},
            "speakers": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_organisers"].queryset = Partner.objects.filter(organisation=organisation)
        self.fields["demands"].queryset = Demand.objects.filter(organisation=organisation)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["ends_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def _post_clean(self):
        # The service checks the event; the model's own validation would run before it.
        pass


class DemandForm(forms.Form):
    text_en = forms.CharField(label=_("Demand (English)"), widget=forms.Textarea({"rows": 2}),
                              required=False)  # fmt: skip
    text_fr = forms.CharField(label=_("Demand (French)"), widget=forms.Textarea({"rows": 2}),
                              required=False)  # fmt: skip
    text_nl = forms.CharField(label=_("Demand (Dutch)"), widget=forms.Textarea({"rows": 2}),
                              required=False)  # fmt: skip
    text_fa = forms.CharField(label=_("Demand (Persian)"),
                              widget=forms.Textarea({**RTL, "rows": 2}), required=False)  # fmt: skip
    addressee = forms.CharField(label=_("Addressed to"), max_length=200)
    first_raised_on = forms.DateField(label=_("First raised on"), widget=DATE)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Demand.Status.choices)
    on = forms.DateField(label=_("Date"), widget=DATE)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea({"rows": 2}),
                               required=False)  # fmt: skip
    evidence_link = forms.URLField(label=_("Link to the evidence"), required=False,
                                   assume_scheme="https")  # fmt: skip


class PartnerForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = ["name", "kind", "website", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        pass


class OfficialForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=200, required=False)
    institution = forms.CharField(label=_("Institution"), max_length=200)
    language = forms.ChoiceField(label=_("Language"), choices=Official._meta.get_field(
        "language").choices, initial="fr")  # fmt: skip
    contact = forms.CharField(
        label=_("How to reach them"), widget=forms.Textarea({"rows": 2}), required=False,
        help_text=_("Kept encrypted; shown to coordinators only."),
    )  # fmt: skip


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    institution = forms.CharField(label=_("Institution"), max_length=200)
    officials = forms.ModelMultipleChoiceField(
        label=_("Officials met"), queryset=Official.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    participants = forms.ModelMultipleChoiceField(
        label=_("Our delegation"), queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    demands = forms.ModelMultipleChoiceField(
        label=_("Demands raised"), queryset=Demand.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    answers = forms.CharField(label=_("Answers given"), widget=forms.Textarea({"rows": 4}),
                              required=False)  # fmt: skip
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea({"rows": 3}), required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officials"].queryset = Official.objects.filter(organisation=organisation)
        self.fields["participants"].queryset = _members(organisation)
        self.fields["demands"].queryset = Demand.objects.filter(organisation=organisation)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Who does it"), queryset=User.objects.none(),
                                   required=False)  # fmt: skip
    due_on = forms.DateField(label=_("Due on"), widget=DATE, required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(organisation)


class ReportForm(forms.Form):
    attendance_estimate = forms.IntegerField(label=_("Attendance (estimate)"), min_value=0,
                                             required=False)  # fmt: skip
    press_links = forms.CharField(
        label=_("Press links"), widget=forms.Textarea({"rows": 3}), required=False,
        help_text=_("One per line."),
    )  # fmt: skip

    def clean_press_links(self):
        links = [line.strip() for line in self.cleaned_data["press_links"].splitlines()]
        validate = forms.URLField(assume_scheme="https").clean
        for link in filter(None, links):
            validate(link)
        return "\n".join(filter(None, links))


class StatementForm(forms.Form):
    speaker = forms.CharField(label=_("Speaker"), max_length=200,
                              help_text=_("As they chose to be named in public."))  # fmt: skip
    language = forms.ChoiceField(
        label=_("Spoken in"),
        choices=[("fa", _("Persian")), ("fr", _("French")), ("en", _("English")),
                 ("nl", _("Dutch"))],
    )  # fmt: skip
    text_fa = forms.CharField(label=_("Persian"), widget=forms.Textarea({**RTL, "rows": 3}),
                              required=False)  # fmt: skip
    text_fr = forms.CharField(label=_("French"), widget=forms.Textarea({"rows": 3}),
                              required=False)  # fmt: skip
    text_en = forms.CharField(label=_("English"), widget=forms.Textarea({"rows": 3}),
                              required=False)  # fmt: skip
    text_nl = forms.CharField(label=_("Dutch"), widget=forms.Textarea({"rows": 3}),
                              required=False)  # fmt: skip


class BriefForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    audience = forms.CharField(label=_("For"), max_length=200,
                               help_text=_("e.g. the migration minister's adviser"))  # fmt: skip
    start = forms.DateField(label=_("Period from"), widget=DATE)
    end = forms.DateField(label=_("Period to"), widget=DATE)
    meeting = forms.ModelChoiceField(label=_("For the meeting"), queryset=Meeting.objects.none(),
                                     required=False)  # fmt: skip

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(organisation=organisation)


class PhotoForm(forms.Form):
    upload = forms.FileField(label=_("Photo (JPEG or PNG)"))
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)
    everyone_consented = forms.BooleanField(
        label=_("Everyone recognisable in it agreed to be shown"), required=False,
        help_text=_("If not, mark their faces below: they are blurred before anything is kept."),
    )  # fmt: skip
    blur = forms.CharField(
        label=_("Faces to blur"), required=False, widget=forms.Textarea({"rows": 2, "dir": "ltr"}),
        help_text=_("One rectangle per line: left, top, width, height, in percent of the photo "
                    "(e.g. 40, 10, 15, 20)."),
    )  # fmt: skip
