"""Forms of the shelter app: they validate; services act."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from panah.cases.importing import LIMITS
from panah.core.dates import DateField, both_calendars
from panah.core.uploads import check_size
from panah.people.models import LANGUAGE_CHOICES, Gender

from .models import (
    Area,
    CheckInKind,
    EpisodeKind,
    FedasilStatus,
    HostKind,
    NextPlace,
    Vulnerability,
)

# The lead person's own fields on the need form (when it creates the person).
PERSON_FIELDS = ("given_name_latin", "family_name_latin", "given_name_fa", "gender", "email")
SLEEPING_CHOICES = [
    (EpisodeKind.STREET, EpisodeKind.STREET.label),
    (EpisodeKind.NIGHT_SHELTER, EpisodeKind.NIGHT_SHELTER.label),
]


def _date(label, required=True):
    return DateField(label=label, required=required)


class NeedForm(forms.Form):
    """A household without a roof; names create the lead person when none is given."""

    given_name_latin = forms.CharField(label=_("Given name (Latin script)"), required=False)
    family_name_latin = forms.CharField(label=_("Family name (Latin script)"), required=False)
    given_name_fa = forms.CharField(
        label=_("Given name (Persian script)"),
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa", "autocomplete": "off"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender of the lead person"), choices=[("", "—"), *Gender.choices], required=False
    )
    email = forms.EmailField(
        label=_("E-mail address (a place offered is told there, in their language)"),
        required=False,
    )
    without_roof_since = _date(_("Without a roof since"))
    sleeping_in = forms.ChoiceField(label=_("Sleeping now in"), choices=SLEEPING_CHOICES)
    sleeping_now = forms.CharField(
        label=_("Where exactly (kept encrypted)"), required=False, max_length=500
    )
    adult_women = forms.IntegerField(label=_("Adult women"), min_value=0, max_value=12, initial=0)
    adult_men = forms.IntegerField(label=_("Adult men"), min_value=0, max_value=12, initial=0)
    children = forms.IntegerField(
        label=_("Children (under 18)"), min_value=0, max_value=12, initial=0
    )
    unaccompanied_minor = forms.BooleanField(label=_("A minor without a guardian"), required=False)
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs_accessible = forms.BooleanField(label=_("Needs an accessible place"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area = forms.ChoiceField(label=_("Area"), choices=Area.choices)
    area_required = forms.BooleanField(label=_("Must stay in this area"), required=False)
    area_constraints = forms.CharField(
        label=_("Why (near the lawyer, a school, a hospital)"), required=False, max_length=500
    )
    fedasil_status = forms.ChoiceField(
        label=_("Fedasil waiting list"), choices=FedasilStatus.choices
    )
    fedasil_since = _date(_("On the list since"), required=False)
    place_needed_until = DateField(
        label=_("Needs a place until about"),
        required=False,
        help_text=_(
            "For example the date of a Fedasil invitation or of an expected decision. Even a "
            "rough date helps the matcher; leave empty when no one knows."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, with_person: bool = True, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.with_person = with_person and not editing
        if not self.with_person:
            for name in PERSON_FIELDS:
                del self.fields[name]
        if editing:
            # Where they sleep moves with placements (episodes), not with an edit.
            del self.fields["sleeping_in"]

    def clean(self):
        data = super().clean()
        size = sum(data.get(k) or 0 for k in ("adult_women", "adult_men", "children"))
        if size == 0:
            raise forms.ValidationError(_("A household has at least one person."))
        if self.with_person and not any(
            (data.get(k) or "").strip()
            for k in ("given_name_latin", "family_name_latin", "given_name_fa")
        ):
            raise forms.ValidationError(_("Give at least one name, in Persian or Latin script."))
        since = data.get("without_roof_since")
        if since and since > timezone.localdate():
            self.add_error("without_roof_since", _("This date is in the future."))
        return data


class HostForm(forms.Form):
    """A host's details; the address field only for those who may read it."""

    kind = forms.ChoiceField(label=_("Who hosts"), choices=HostKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(
        label=_("E-mail address (for the messages about a guest)"), required=False
    )
    address = forms.CharField(
        label=_("Address (shelter coordinators only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area = forms.ChoiceField(label=_("Area"), choices=Area.choices)
    shares_guest_details = forms.BooleanField(
        label=_("Reports guests' details to third parties (a commune, a funder)"), required=False
    )

    def __init__(self, *args, with_address: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not with_address:
            del self.fields["address"]


class VettingForm(forms.Form):
    home_visit_on = _date(_("Home visit on"), required=False)
    home_visit_by = forms.ModelChoiceField(label=_("Home visit by"), queryset=None, required=False)
    references_checked = forms.BooleanField(label=_("References checked"), required=False)
    charter_signed_on = _date(_("Charter signed on"), required=False)
    vetting_renewal_on = _date(_("Vetting to renew by"), required=False)
    cleared_for_safety_alerts = forms.BooleanField(
        label=_("Cleared to receive guests under a safety alert"), required=False
    )

    def __init__(self, *args, members=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_visit_by"].queryset = members
        self.fields["home_visit_by"].label_from_instance = lambda u: u.display_name or u.email


class OfferForm(forms.Form):
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=500)
    max_households = forms.IntegerField(
        label=_("Households at a time"), min_value=1, max_value=200, initial=1
    )
    max_men = forms.IntegerField(
        label=_("At most this many adult men"), min_value=0, max_value=99, initial=99
    )
    available_from = _date(_("Available from"))
    available_until = _date(_("Available until"), required=False)
    stay_days = forms.IntegerField(
        label=_("Length of stay (days)"), min_value=1, max_value=365, required=False
    )
    accepts_women_children = forms.BooleanField(
        label=_("Receives women and children"), required=False, initial=True
    )
    accepts_families = forms.BooleanField(
        label=_("Receives families"), required=False, initial=True
    )
    accepts_single_men = forms.BooleanField(label=_("Receives single men"), required=False)
    accepts_single_women = forms.BooleanField(
        label=_("Receives single women"), required=False, initial=True
    )
    accepts_unaccompanied_minors = forms.BooleanField(
        label=_("A minors' house (unaccompanied minors only)"), required=False
    )
    accessible = forms.BooleanField(label=_("Accessible (no stairs)"), required=False)
    pets = forms.BooleanField(label=_("Pets in the home"), required=False)
    smoking = forms.BooleanField(label=_("Smoking allowed"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("available_from"), data.get("available_until")
        if start and end and end < start:
            self.add_error("available_until", _("The offer ends before it starts."))
        return data


class ProposeForm(forms.Form):
    """A place a coordinator chose for a household; the service checks every rule."""

    offer = forms.ModelChoiceField(label=_("Offer"), queryset=None)
    starts_on = _date(_("Starts on"))

    def __init__(self, *args, offers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers
        self.fields["offer"].label_from_instance = _offer_label

    def clean_starts_on(self):
        starts_on = self.cleaned_data["starts_on"]
        if starts_on < timezone.localdate():
            raise forms.ValidationError(_("A proposal starts today or later."))
        return starts_on


def _offer_label(offer) -> str:
    """An offer as a coordinator picks it: the host, beds, area and window."""
    window = both_calendars(offer.available_from)
    if offer.available_until:
        window += f" – {both_calendars(offer.available_until)}"
    return ngettext(
        "%(host)s — %(beds)s bed, %(area)s, %(window)s",
        "%(host)s — %(beds)s beds, %(area)s, %(window)s",
        offer.beds,
    ) % {
        "host": offer.host.name,
        "beds": offer.beds,
        "area": offer.host.get_area_display(),
        "window": window,
    }


class CheckInForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckInKind.choices)
    occurred_on = _date(_("Date"))
    guest_safe = forms.BooleanField(label=_("The guest is safe"), required=False, initial=True)
    working = forms.BooleanField(label=_("The placement works"), required=False, initial=True)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EndPlacementForm(forms.Form):
    ended_on = _date(_("Ended on"))
    reason = forms.CharField(label=_("Reason"), max_length=32)
    next_place = forms.ChoiceField(label=_("Where they go next"), choices=NextPlace.choices)
    broken_down = forms.BooleanField(label=_("The placement broke down"), required=False)


class DecisionForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("The guest"),
        choices=[("1", _("accepts")), ("0", _("refuses"))],
        coerce=lambda v: v == "1",
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the sheet holds"),
        choices=[("needs", _("Households without a roof")), ("hosts", _("Hosts and their beds"))],
    )
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))
    dry_run = forms.BooleanField(
        label=_("Dry run: check everything, save nothing"), required=False, initial=True
    )

    def clean_file(self):
        # The casework import's limits: refused here, before a byte is parsed.
        upload = self.cleaned_data["file"]
        check_size(upload, LIMITS.file_bytes)
        return upload
