"""Sample safety objects of organisation A for the authorisation matrix (tests/authz.py).

The incident carries a marker in its sealed narrative and its place, so a page that leaked
either to someone outside the compartment would be caught.
"""

from __future__ import annotations

import datetime as dt

from django_scopes import scope


def safety_sample(world, kind: str = "incident"):
    """A person of A with an incident (sealed facts), evidence, a referral (created once)."""
    from panah.people.services import create_person
    from panah.safety import services

    if "safety_incident" not in world.objects_a:
        org = world.org_a
        with scope(organisation=org):
            person = create_person(
                organisation=org, by=None, given_name_latin="Safety", family_name_latin="Marker-A"
            )
            officer_key = services.set_up_officer_key(
                organisation=org, user=world.everything_a, passphrase="matrix passphrase 2026"
            )
            incident = services.record_incident(
                organisation=org, person=person, by=world.everything_a, category="surveillance",
                occurred_on=dt.date.today() - dt.timedelta(days=5), country="BE",
                confidence="likely", reported_by="the_person", place="Place-Marker-A",
                sealed=services.SealedFacts(narrative="Sealed-Marker-A"), unlocked=True,
            )  # fmt: skip
            private = services.unlock(officer_key=officer_key, passphrase="matrix passphrase 2026")
            pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
            evidence = services.add_evidence(
                incident=incident, upload=pdf, officer_key=officer_key, private=private,
                by=world.everything_a,
            ).evidence  # fmt: skip
            referral = services.refer(
                person=person, referred_to="local_police", consent_given_on=dt.date.today(),
                consent_method="signed_form", by=world.everything_a, reference="Ref-Marker-A",
            )  # fmt: skip
        world.objects_a.update(
            safety_person=person, safety_incident=incident, safety_evidence=evidence,
            safety_referral=referral,
        )  # fmt: skip
        world.markers_a.extend(["Marker-A", "Place-Marker-A", "Sealed-Marker-A", "Ref-Marker-A"])
    return world.objects_a[f"safety_{kind}"]


URL_SAMPLES = {
    "safety:person": lambda w: {"pk": safety_sample(w, "person").pk},
    "safety:record": lambda w: {"pk": safety_sample(w, "person").pk},
    "safety:assess": lambda w: {"pk": safety_sample(w, "person").pk},
    "safety:plan": lambda w: {"pk": safety_sample(w, "person").pk},
    "safety:refer": lambda w: {"pk": safety_sample(w, "person").pk},
    "safety:referral": lambda w: {"pk": safety_sample(w, "referral").pk},
    "safety:incident": lambda w: {"pk": safety_sample(w).pk},
    "safety:add_evidence": lambda w: {"pk": safety_sample(w).pk},
    "safety:amend_sealed": lambda w: {"pk": safety_sample(w).pk},
    "safety:edit_incident": lambda w: {"pk": safety_sample(w).pk},
    "safety:attach": lambda w: {"pk": safety_sample(w).pk},
    "safety:evidence_file": lambda w: {"pk": safety_sample(w, "evidence").pk},
}
