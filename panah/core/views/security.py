"""Re-authentication and the emergency lock."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import lockdown, passkeys, queries, reauth
from ..access import needs_permission, passkey_setup, signed_in
from ..forms import submit
from ..middleware import locked_message


class ReauthenticationForm(forms.Form):
    """The password and a second-factor code, given again."""

    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app (or a recovery code)"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    # Filled in by passkeys.js with the passkey's answer, when the member uses one instead.
    assertion = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].replace(" ", "").strip()

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("assertion"):
            raise ValidationError(_("Use your passkey, or type a code."))
        return data


class LockForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why"),
        choices=lockdown.LockReason.choices,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that every member is logged out now and nobody can work until two"
            " administrators unlock the organisation."
        )
    )


def _safe_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return reverse("core:dashboard")


@passkey_setup
@signed_in
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Ask for the password and a second-factor code again, then return where the user was."""
    nxt = _safe_next(request)
    form = ReauthenticationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if reauth.reauthenticate(
            request=request,
            password=form.cleaned_data["password"],
            code=form.cleaned_data["code"],
            assertion=form.cleaned_data["assertion"],
        ):
            return redirect(nxt)
        form.add_error(
            None,
            _("The password or the code is not right. Codes change every 30 seconds."),
        )
    return render(
        request,
        "core/security/reauthenticate.html",
        {
            "form": form,
            "next": nxt,
            "minutes": reauth.reauth_minutes(),
            "has_key": passkeys.has_passkey(request.user),
        },
    )


@needs_permission("core.lock_organisation")
def emergency_lock(request: HttpRequest) -> HttpResponse:
    """Lock the whole organisation at once, after a confirmation and a reason."""
    organisation = request.organisation
    form = LockForm(request.POST or None)
    if submit(request, form, lambda data: lockdown.lock_organisation(
        organisation=organisation, by=request.user, reason=data["reason"], request=request
    )).done:  # fmt: skip
        # The admin's own session ended with everyone else's; end this request's copy too.
        auth_logout(request)
        messages.warning(request, locked_message())
        return redirect("core:login")
    return render(
        request,
        "core/security/lock.html",
        {"form": form, "admin_count": len(queries.organisation_admins(organisation))},
    )


@lockdown.allowed_while_locked
@needs_permission("core.unlock_organisation")
def emergency_unlock(request: HttpRequest) -> HttpResponse:
    """While locked, the only page an admin sees: approve lifting the lock (two admins needed)."""
    organisation = request.organisation
    if organisation.locked_at is None:
        if request.method == "POST":
            messages.info(request, _("The organisation is not locked."))
        return redirect("core:dashboard")
    if request.method == "POST":
        try:
            lifted = lockdown.approve_unlock(
                organisation=organisation, by=request.user, request=request
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("core:emergency_unlock")
        if lifted:
            messages.success(request, _("The organisation is unlocked. Members can log in again."))
            return redirect("core:dashboard")
        messages.success(
            request,
            _("Your approval is recorded. A second administrator must approve to unlock."),
        )
        return redirect("core:emergency_unlock")
    approvals = lockdown.unlock_approvals(organisation)
    reason = lockdown.lock_reason(organisation)
    return render(
        request,
        "core/security/unlock.html",
        {
            "organisation": organisation,
            "approvals": approvals,
            "approved_by_me": any(a.admin_id == request.user.pk for a in approvals),
            "needed": lockdown.UNLOCK_APPROVALS_NEEDED,
            "reason": lockdown.LockReason(reason).label if reason else "",
        },
    )
