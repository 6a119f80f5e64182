"""Sample shelter objects of organisation A for the authorisation matrix (tests/authz.py)."""

from __future__ import annotations

import datetime as dt

from django_scopes import scope


def shelter_sample(world, kind: str = "placement"):
    """A need, a vetted host with an offer and a proposed placement of organisation A (once).

    The need is the sample person's (tests/authz.py), behind a restricted case that names only
    the member with every role; the host's contact person has such a case too. So a member with
    the shelter roles who is not named on them must be refused every shelter page of these
    objects and must not find them in any list: the person compartments, not the role, decide.
    """
    from panah.cases import services as cases
    from panah.shelter import services

    if "shelter_placement" not in world.objects_a:
        from panah.cases.tests.samples import case_sample

        case_sample(world)  # restricts the sample person to the member with every role
        org = world.org_a
        by = world.everything_a
        today = dt.date.today()
        with scope(organisation=org):
            need = services.register_need(
                organisation=org, person=world.objects_a["person"], by=None, adult_women=1,
                children=1, area="brussels", without_roof_since=today - dt.timedelta(days=3),
            )  # fmt: skip
            host = services.register_host(
                organisation=org, by=None, kind="family", name="Host-A", area="brussels",
                address="Secret Street 1",
            )  # fmt: skip
            case = cases.open_case(organisation=org, person=host.person, by=by, registered_on=today)
            cases.restrict_case(case=case, restricted=True, members=[by], by=by)
            services.record_vetting(
                host=host, by=None, home_visit_on=today, home_visit_by=by,
                references_checked=True, charter_signed_on=today,
                vetting_renewal_on=today + dt.timedelta(days=365),
            )  # fmt: skip
            offer = services.add_offer(host=host, by=None, beds=3, available_from=today)
            placement = services.propose_placement(need=need, offer=offer, by=None)
        world.objects_a.update(shelter_need=need, shelter_host=host, shelter_placement=placement)
        world.markers_a.extend(["Host-A", "Secret Street 1"])
        world.compartment_markers.extend(["Host-A", "Secret Street 1"])
    return world.objects_a[f"shelter_{kind}"]


URL_SAMPLES = {
    "shelter:need": lambda w: {"pk": shelter_sample(w, "need").pk},
    "shelter:host": lambda w: {"pk": shelter_sample(w, "host").pk},
    "shelter:need_edit": lambda w: {"pk": shelter_sample(w, "need").pk},
    "shelter:propose": lambda w: {"pk": shelter_sample(w, "need").pk},
    "shelter:host_edit": lambda w: {"pk": shelter_sample(w, "host").pk},
    "shelter:offer_edit": lambda w: {
        "pk": shelter_sample(w, "host").pk,
        "offer": shelter_sample(w).offer_id,
    },
    "shelter:vet_host": lambda w: {"pk": shelter_sample(w, "host").pk},
    "shelter:offer_new": lambda w: {"pk": shelter_sample(w, "host").pk},
    "shelter:placement": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:confirm": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:decision": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:check_in": lambda w: {"pk": shelter_sample(w).pk},
    "shelter:end": lambda w: {"pk": shelter_sample(w).pk},
}
