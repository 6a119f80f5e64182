"""Forms of the core app: they validate; services act."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Role, User
from .queries import organisation_members


class LongSelect(forms.Select):
    """A select of many options (an organisation's members) drawn by one template: Django's
    own includes a template per option, 7 ms for the 80 members of a case page's form."""

    template_name = "core/widgets/long_select.html"


class LoginForm(AuthenticationForm):
    """Email and password; the email is the username."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _("That email address and password do not match an account."),
        "inactive": _("This account is disabled."),
    }

    def clean_username(self) -> str:
        # Addresses are stored in lower case; phones often capitalise the first letter, and
        # the lockout must count "A@x" and "a@x" as the same account.
        return self.cleaned_data["username"].strip().lower()


class SecondFactorForm(forms.Form):
    """A six-digit code from the authenticator app, or a one-time recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )


class JoinForm(forms.Form):
    """Creating an account from an invitation."""

    display_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, display_name=data.get("display_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name of the organisation"), max_length=200)


class AuditFilterForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=None, required=False)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Record type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["member"].queryset = organisation_members(organisation)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period comes before its start."))
        return data


def apply_service_errors(form: forms.Form, exc: forms.ValidationError) -> None:
    """Put a service's refusal beside the field it names (or above the form), for every app."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@dataclass(frozen=True)
class Submission:
    """What became of a submitted form: `done` once the service acted, with what it returned."""

    done: bool
    result: Any = None


def submit(
    request: HttpRequest, form: forms.Form, act: Callable[[dict[str, Any]], Any]
) -> Submission:
    """Call `act` with a copy of the form's cleaned data when the form came by POST and is valid.

    A service's refusal (ValidationError) lands on the form, which keeps what was typed.
    """
    if request.method != "POST" or not form.is_valid():
        return Submission(done=False)
    try:
        return Submission(done=True, result=act(dict(form.cleaned_data)))
    except forms.ValidationError as exc:
        apply_service_errors(form, exc)
        return Submission(done=False)


def press(request: HttpRequest, act: Callable[[], Any], *, one_message: bool = False) -> Submission:
    """Call `act` for a button without a form (confirm, publish): a service's refusal
    (ValidationError) becomes error messages for the next page (`one_message`: joined in one).

    The view then says its success message when `done` and redirects either way.
    """
    try:
        return Submission(done=True, result=act())
    except forms.ValidationError as exc:
        for message in [" ".join(exc.messages)] if one_message else exc.messages:
            messages.error(request, message)
        return Submission(done=False)
