"""Sample casework objects of organisation A for the authorisation matrix (tests/authz.py)."""

from __future__ import annotations

import datetime as dt

from django_scopes import scope


def case_sample(world, kind: str = "case"):
    """A case of organisation A with one step, a document and an editable rule (created once)."""
    from panah.cases import services
    from panah.people.services import create_person

    if "cases_case" not in world.objects_a:
        org = world.org_a
        with scope(organisation=org):
            person = create_person(
                organisation=org, by=None, given_name_latin="Sample", family_name_latin="Person"
            )
            case = services.open_case(
                organisation=org,
                person=person,
                by=world.everything_a,
                registered_on=dt.date.today() - dt.timedelta(days=60),
            )
            step = services.record_step(
                case=case,
                by=world.everything_a,
                step=services.StepInput(
                    "application_lodged", dt.date.today() - dt.timedelta(days=59)
                ),
            )
            pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
            document = services.add_document(case=case, upload=pdf, by=world.everything_a)
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
