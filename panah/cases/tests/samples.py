"""Sample casework objects of organisation A for the authorisation matrix (tests/authz.py)."""

from __future__ import annotations

import datetime as dt

from django_scopes import scope


def case_sample(world, kind: str = "case"):
    """The case of organisation A's sample person (tests/authz.py), created once: opened and
    followed by the member with every role, with a refusal whose appeal deadline is on the
    deadlines page, a document, and restricted to that member, so that a member with the right
    roles who is neither assigned nor named must be refused the case and its person."""
    from panah.cases import services

    if "cases_case" not in world.objects_a:
        org = world.org_a
        person = world.objects_a["person"]
        by = world.everything_a
        today = dt.date.today()
        with scope(organisation=org):
            case = services.open_case(
                organisation=org, person=person, by=by, registered_on=today - dt.timedelta(days=60)
            )
            step = services.record_step(
                case=case,
                by=by,
                step=services.StepInput("application_lodged", today - dt.timedelta(days=59)),
            )
            yesterday = today - dt.timedelta(days=1)
            services.record_step(
                case=case,
                by=by,
                step=services.StepInput(
                    "cgrs_decision", yesterday, outcome="refusal",
                    notification_mode="hand_delivery", sent_on=yesterday,
                ),
            )  # fmt: skip
            pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
            document = services.add_document(case=case, upload=pdf, by=by)
            services.restrict_case(case=case, restricted=True, members=[by], by=by)
        world.objects_a.update(cases_case=case, cases_step=step, cases_document=document)
    return world.objects_a[f"cases_{kind}"]


URL_SAMPLES = {
    "cases:detail": lambda w: {"pk": case_sample(w).pk},
    "cases:record_step": lambda w: {"pk": case_sample(w).pk},
    "cases:correct_step": lambda w: {"pk": case_sample(w).pk, "step": case_sample(w, "step").pk},
    "cases:assign": lambda w: {"pk": case_sample(w).pk},
    "cases:restrict": lambda w: {"pk": case_sample(w).pk},
    "cases:residence": lambda w: {"pk": case_sample(w).pk},
    "cases:add_note": lambda w: {"pk": case_sample(w).pk},
    "cases:add_document": lambda w: {"pk": case_sample(w).pk},
    "cases:add_appointment": lambda w: {"pk": case_sample(w).pk},
    "cases:add_referral": lambda w: {"pk": case_sample(w).pk},
    "cases:document_file": lambda w: {"pk": case_sample(w, "document").pk},
}
