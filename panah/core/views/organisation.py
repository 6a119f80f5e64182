"""The home dashboard, switching organisation, members and invitations, the language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import queries, services
from ..access import get_for_member, needs_permission, public, signed_in
from ..dashboard import rendered_panels
from ..forms import InviteForm, JoinForm, RolesForm, submit
from ..language import set_language_cookie
from ..middleware import SESSION_ORG_KEY
from ..models import Invitation, Membership


@needs_permission("core.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The home page: one panel for each of the member's roles, each saying what to do next."""
    context = {"panels": rendered_panels(request), "today": timezone.localdate()}
    return render(request, "core/dashboard.html", context)


@signed_in
def choose_organisation(request: HttpRequest) -> HttpResponse:
    """Pick which organisation to work in; nothing of one is shown while in another."""
    memberships = getattr(request, "memberships", [])
    if request.method == "POST":
        wanted = request.POST.get("organisation")
        chosen = next((m for m in memberships if str(m.organisation_id) == wanted), None)
        if chosen is None:
            return HttpResponseBadRequest(_("You are not a member of that organisation."))
        request.session[SESSION_ORG_KEY] = chosen.organisation_id
        messages.success(
            request, _("You are now working in %(name)s.") % {"name": chosen.organisation.name}
        )
        return redirect("core:dashboard")
    return render(request, "core/choose_organisation.html", {"memberships": memberships})


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language (and remember it for a logged-in user's emails)."""
    language = request.POST.get("language", "")
    nxt = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        nxt = "/"
    response = redirect(nxt)
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        set_language_cookie(response, language)
        if request.user.is_authenticated:
            services.set_language(user=request.user, language=language)
    return response


@needs_permission("core.view_members")
def members(request: HttpRequest) -> HttpResponse:
    """The organisation's members with their roles, and the open invitations."""
    return render(
        request,
        "core/members.html",
        {
            "members": queries.organisation_members(request.organisation),
            "invitations": queries.open_invitations(request.organisation),
        },
    )


@needs_permission("core.manage_members")
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a new member; the link is shown once and sent by email."""
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        issued = services.invite_member(
            organisation=request.organisation,
            email=form.cleaned_data["email"],
            roles=form.cleaned_data["roles"],
            invited_by=request.user,
            request=request,
        )
        link = request.build_absolute_uri(reverse("core:join", args=[issued.token]))
        services.send_invitation_email(invitation=issued.invitation, link=link)
        return render(
            request, "core/invitation_sent.html", {"invitation": issued.invitation, "link": link}
        )
    return render(request, "core/invite.html", {"form": form})


@needs_permission("core.manage_members")
@require_POST
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_for_member(request, Invitation, pk=pk)
    services.revoke_invitation(invitation=invitation, by=request.user, request=request)
    messages.success(request, _("The invitation link no longer works."))
    return redirect("core:members")


@needs_permission("core.manage_members")
def member_roles(request: HttpRequest, pk: int) -> HttpResponse:
    """Change what a member may do."""
    membership = get_for_member(request, Membership, pk=pk, removed_at__isnull=True)
    form = RolesForm(
        request.POST if request.method == "POST" else None,
        initial={"roles": sorted(membership.role_set())},
    )
    if submit(request, form, lambda data: services.change_member_roles(
        membership=membership, roles=data["roles"], by=request.user, request=request
    )).done:  # fmt: skip
        messages.success(request, _("Roles saved."))
        return redirect("core:members")
    return render(request, "core/member_roles.html", {"form": form, "membership": membership})


@needs_permission("core.manage_members")
def remove_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a member after confirmation; their sessions end at once."""
    membership = get_for_member(request, Membership, pk=pk, removed_at__isnull=True)
    error = None
    if request.method == "POST":
        try:
            services.remove_member(membership=membership, by=request.user, request=request)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(
                request, _("%(name)s is no longer a member.") % {"name": membership.user}
            )
            return redirect("core:members")
    return render(request, "core/remove_member.html", {"membership": membership, "error": error})


@public
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: with the current account, or by creating one."""
    invitation = services.find_invitation(token)
    if invitation is None or not invitation.is_usable:
        return render(
            request, "core/invitation_invalid.html", {"invitation": invitation}, status=410
        )
    if request.user.is_authenticated:
        if not request.user.is_verified():
            # Joining with an existing account is joining as that account: the password alone
            # (perhaps phished) must not be enough. Back here once the second factor is passed.
            target = reverse("core:two_factor")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        if request.method == "POST":
            try:
                services.accept_invitation(token=token, user=request.user, request=request)
            except services.InvitationForAnotherAccount:
                return _wrong_account(request, invitation)
            except ValidationError:
                # Used or revoked since it was read above (two tabs, two clicks).
                return render(
                    request, "core/invitation_invalid.html", {"invitation": invitation}, status=410
                )
            request.session[SESSION_ORG_KEY] = invitation.organisation_id
            messages.success(
                request, _("Welcome to %(name)s.") % {"name": invitation.organisation.name}
            )
            return redirect("core:dashboard")
        if not invitation.is_addressed_to(request.user):
            return _wrong_account(request, invitation)
        return render(request, "core/join_existing.html", {"invitation": invitation})
    if services.account_exists(invitation.email):
        login_url = reverse("core:login") + "?next=" + reverse("core:join", args=[token])
        return render(
            request,
            "core/join_login_first.html",
            {"invitation": invitation, "login_url": login_url},
        )
    form = JoinForm(request.POST if request.method == "POST" else None, email=invitation.email)
    joined = submit(request, form, lambda data: services.accept_invitation(
        token=token, email=invitation.email, display_name=data["display_name"],
        password=data["password1"], request=request,
    ))  # fmt: skip
    if joined.done:
        auth_login(request, joined.result.user, backend="panah.core.backends.ModelBackend")
        request.session[SESSION_ORG_KEY] = invitation.organisation_id
        return redirect("core:two_factor_setup")
    return render(request, "core/join.html", {"invitation": invitation, "form": form})


def _wrong_account(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """The refusal shown to a signed-in user whose address is not the invitation's."""
    return render(request, "core/join_wrong_account.html", {"invitation": invitation}, status=403)
