from django.urls import path

from .views import audit, auth, organisation, passkeys, security

app_name = "core"

urlpatterns = [
    path("", organisation.dashboard, name="dashboard"),
    path("login/", auth.login, name="login"),
    path("login/second-factor/", auth.two_factor, name="two_factor"),
    path("account/second-factor/setup/", auth.two_factor_setup, name="two_factor_setup"),
    path("login/passkey/begin/", passkeys.assertion_begin, name="passkey_assertion_begin"),
    path("account/passkeys/", passkeys.passkey_list, name="passkeys"),
    path("account/passkeys/begin/", passkeys.registration_begin, name="passkey_registration_begin"),
    path("account/passkeys/<int:pk>/remove/", passkeys.remove_passkey, name="remove_passkey"),
    path("logout/", auth.logout, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("language/", organisation.set_language, name="set_language"),
    path("organisations/", organisation.choose_organisation, name="choose_organisation"),
    path("members/", organisation.members, name="members"),
    path("members/invite/", organisation.invite, name="invite"),
    path("members/<int:pk>/roles/", organisation.member_roles, name="member_roles"),
    path("members/<int:pk>/remove/", organisation.remove_member, name="remove_member"),
    path(
        "members/invitations/<int:pk>/revoke/",
        organisation.revoke_invitation,
        name="revoke_invitation",
    ),
    path("join/<str:token>/", organisation.join, name="join"),
    path("audit/", audit.audit_trail, name="audit_trail"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path("account/confirm/", security.reauthenticate, name="reauthenticate"),
    path("emergency-lock/", security.emergency_lock, name="emergency_lock"),
    path("emergency-lock/unlock/", security.emergency_unlock, name="emergency_unlock"),
]
