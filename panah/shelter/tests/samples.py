"""Sample shelter objects of organisation A for the authorisation matrix (tests/authz.py)."""

from __future__ import annotations

import datetime as dt

from django_scopes import scope


def shelter_sample(world, kind: str = "placement"):
    """A need, a vetted host with an offer and a proposed placement of organisation A (once)."""
    from panah.people.services import create_person
    from panah.shelter import services

    if "shelter_placement" not in world.objects_a:
        org = world.org_a
        today = dt.date.today()
        with scope(organisation=org):
            person = create_person(
                organisation=org, by=None, given_name_latin="Roofless", family_name_latin="Guest-A"
            )
            need = services.register_need(
                organisation=org, person=person, by=None, adult_women=1, children=1,
                area="brussels", without_roof_since=today - dt.timedelta(days=3),
            )  # fmt: skip
            host = services.register_host(
                organisation=org, by=None, kind="family", name="Host-A", area="brussels",
                address="Secret Street 1",
            )  # fmt: skip
            services.record_vetting(
                host=host, by=None, home_visit_on=today, home_visit_by=world.everything_a,
                references_checked=True, charter_signed_on=today,
                vetting_renewal_on=today + dt.timedelta(days=365),
            )  # fmt: skip
            offer = services.add_offer(host=host, by=None, beds=3, available_from=today)
            placement = services.propose_placement(need=need, offer=offer, by=None)
        world.objects_a.update(shelter_need=need, shelter_host=host, shelter_placement=placement)
        world.markers_a.extend(["Guest-A", "Host-A", "Secret Street 1"])
    return world.objects_a[f"shelter_{kind}"]


URL_SAMPLES = {
    "shelter:need": lambda w: {"pk": shelter_sample(w, "need").pk},
    "shelter:host": lambda w: {"pk": shelter_sample(w, "host").pk},
    "shelter:vet_host": lambda w: {"pk": shelter_sample(w, "host").pk},
    "shelter:offer_new": lambda w: {"pk": shelter_sample(w, "host").pk},
    "shelter:placement": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:confirm": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:decision": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:check_in": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:end": lambda w: {"pk": shelter_sample(w).pk},
}
