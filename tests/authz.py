"""The authorisation matrix: every URL of the project against every kind of visitor.

For each URL pattern it checks that the view carries an access mark (panah.core.access),
then asks as an anonymous visitor, as a user who gave only a password, as a member of the
organisation without a granting role, as a member of the organisation who holds every
granting role but is neither assigned to nor named on anything, and as a member of another
organisation holding every role. Nothing protected may be served to any of them; the member
of organisation A with every role, who follows the sample objects, must be served and must
see them. `check_url` returns the problems found, so a test of the test can prove a forgotten
check is caught.

The rule every negative test here (and in the project) follows: **a negative test contains data
that could leak.** A refusal proves nothing on an empty page, so organisation A is seeded,
before any URL is asked, with one object of every kind the routes show (a person with a
document and a consent, their case, restricted, with a step, a deadline and a document, their
shelter need and proposed placement with a host whose contact is restricted too, evidence, a
review pair, a publication), list pages included; the refused members then look
for those objects' markers in what they were served.

A permission must name the roles that hold it (`roles_granting` raises otherwise): a composed
predicate without roles would silently skip the lower-role check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope, scopes_disabled

from panah.core.access import PASSWORD_ONLY, PUBLIC, SIGNED_IN
from panah.core.models import Membership, Organisation, Role, User
from panah.core.rules import roles_granting
from panah.core.services import invite_member

# Views open to everyone. A new public view fails the matrix until it is listed here on purpose.
EXPECTED_PUBLIC = {
    "core:login",
    "core:password_reset",
    "core:password_reset_done",
    "core:password_reset_confirm",
    "core:password_reset_complete",
    "core:set_language",
    "core:join",
    # Published statistics (panah.public): only what a researcher published.
    "public:index",
    "public:organisation",
    "public:statistic",
    # Advocacy's public side (panah.advocacy.public_views): only what a coordinator published.
    "campaign:event",
    "campaign:rsvp",
    "campaign:event_ics",
    "campaign:calendar",
    "campaign:feed",
    "campaign:demands",
    "campaign:photo",
}


@dataclass
class World:
    """Two organisations, their members and one object of each kind in organisation A."""

    org_a: Organisation
    org_b: Organisation
    everything_a: User  # every role in A
    everything_b: User  # every role in B
    make_member: Callable[..., User]
    objects_a: dict[str, object] = field(default_factory=dict)
    markers_a: list[str] = field(default_factory=list)
    # What only the members following the compartmented objects may see (the sample person,
    # behind a restricted case): a member of A with the roles but not assigned or named looks
    # for these.
    compartment_markers: list[str] = field(default_factory=list)


def build_world(make_member, org_a: Organisation, org_b: Organisation) -> World:
    """Create the members and the sample objects of organisation A that URLs point to."""
    world = World(
        org_a=org_a,
        org_b=org_b,
        everything_a=make_member(org_a, Role.values, email="all-a@example.org"),
        everything_b=make_member(org_b, Role.values, email="all-b@example.org"),
        make_member=make_member,
    )
    target = make_member(org_a, [Role.CASEWORKER], email="target-a@example.org")
    with scopes_disabled():
        world.objects_a["membership"] = Membership.objects.get(user=target, organisation=org_a)
        issued = invite_member(
            organisation=org_a, email="invitee-a@example.org", roles=[Role.RESEARCHER],
            invited_by=world.everything_a,
        )  # fmt: skip
    world.objects_a["invitation"] = issued.invitation
    world.objects_a["invitation_token"] = issued.token
    world.markers_a = ["target-a@example.org", "invitee-a@example.org", org_a.name]
    seed(world)
    return world


def seed(world: World) -> None:
    """One object of every kind in organisation A, before any URL is asked (lists included)."""
    from panah.cases.tests.samples import case_sample
    from panah.shelter.tests.samples import shelter_sample

    _people_sample(world, "person")
    case_sample(world)
    # The sample person's need and a restricted host: the shelter lists are checked with them.
    shelter_sample(world)
    _evidence_sample(world, "report")
    _linkage_sample(world, "pair")
    _victim_sample(world)


# Arguments for URL patterns that take some, built from organisation A's objects.
URL_SAMPLES: dict[str, Callable[[World], dict]] = {
    "core:member_roles": lambda w: {"pk": w.objects_a["membership"].pk},
    "core:remove_member": lambda w: {"pk": w.objects_a["membership"].pk},
    "core:revoke_invitation": lambda w: {"pk": w.objects_a["invitation"].pk},
    # A member's own passkeys only: the view looks it up among the signed-in user's.
    "core:remove_passkey": lambda w: {"pk": 1},
    "core:join": lambda w: {"token": w.objects_a["invitation_token"]},
    "core:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "evidence:report": lambda w: {"pk": _evidence_sample(w, "report").pk},
    "evidence:batch": lambda w: {"pk": _evidence_sample(w, "batch").pk},
}


def _evidence_sample(world: World, kind: str):
    """A source, an import batch and a report of organisation A (created once per world)."""
    from panah.evidence.models import ImportBatch, Report, Source

    if "evidence_report" not in world.objects_a:
        with scopes_disabled():
            source = Source.objects.create(organisation=world.org_a, name="Source A", kind="ngo")
            batch = ImportBatch.objects.create(
                organisation=world.org_a, source=source, file_name="a.csv", file_format="csv",
                sha256="0" * 64, status="imported",
            )  # fmt: skip
            report = Report.objects.create(
                organisation=world.org_a, source=source, batch=batch, source_reference="A-1"
            )
        world.objects_a.update(evidence_batch=batch, evidence_report=report)
    return world.objects_a[f"evidence_{kind}"]


def _people_sample(world: World, kind: str):
    """A person of organisation A with a document (encrypted file) and a consent (created once)."""
    from panah.people.services import add_document, create_person, record_consent

    if "person" not in world.objects_a:
        with scope(organisation=world.org_a):
            person = create_person(
                organisation=world.org_a,
                by=None,
                given_name_latin="Marker",
                family_name_latin="Person-A",
            )
            document = add_document(
                person=person, kind="other", by=None,
                upload=b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
            )  # fmt: skip
            consent = record_consent(
                person=person, category="health", legal_basis="consent",
                given_on=dt.date(2024, 1, 15), how_recorded="signed_form", by=None,
            )  # fmt: skip
        world.objects_a.update(person=person, person_document=document, consent=consent)
        world.markers_a.append("Person-A")
        world.compartment_markers.append("Person-A")
    return world.objects_a[kind]


URL_SAMPLES.update(
    {
        "people:detail": lambda w: {"pk": _people_sample(w, "person").pk},
        "people:edit": lambda w: {"pk": _people_sample(w, "person").pk},
        "people:add_document": lambda w: {"pk": _people_sample(w, "person").pk},
        "people:document_file": lambda w: {"pk": _people_sample(w, "person_document").pk},
        "people:erase": lambda w: {"pk": _people_sample(w, "person").pk},
        "people:export": lambda w: {"pk": _people_sample(w, "person").pk},
        "people:add_consent": lambda w: {"pk": _people_sample(w, "person").pk},
        "people:withdraw_consent": lambda w: {"pk": _people_sample(w, "consent").pk},
    }
)


def _cases_samples() -> dict[str, Callable[[World], dict]]:
    from panah.cases.tests.samples import URL_SAMPLES as CASES

    return CASES


URL_SAMPLES.update(_cases_samples())


def _advocacy_samples() -> dict[str, Callable[[World], dict]]:
    from panah.advocacy.tests.samples import URL_SAMPLES as ADVOCACY

    return ADVOCACY


URL_SAMPLES.update(_advocacy_samples())


def _shelter_samples() -> dict[str, Callable[[World], dict]]:
    from panah.shelter.tests.samples import URL_SAMPLES as SHELTER

    return SHELTER


URL_SAMPLES.update(_shelter_samples())


def _safety_samples() -> dict[str, Callable[[World], dict]]:
    from panah.safety.tests.samples import URL_SAMPLES as SAFETY

    return SAFETY


URL_SAMPLES.update(_safety_samples())


def _linkage_sample(world: World, kind: str):
    """A review pair and a publication of organisation A (created once per world)."""
    from panah.evidence.models import LinkageRun, Report, ReviewPair
    from panah.public.models import PublishedStatistic

    if "linkage_pair" not in world.objects_a:
        report = _evidence_sample(world, "report")
        with scopes_disabled():
            other = Report.objects.create(
                organisation=world.org_a, source=report.source, source_reference="A-2"
            )
            run = LinkageRun.objects.create(organisation=world.org_a, status="finished")
            pair = ReviewPair.objects.create(
                organisation=world.org_a, run=run, report_a=report, report_b=other,
                probability=0.5, match_weight=0.0,
            )  # fmt: skip
            published = PublishedStatistic.objects.create(
                organisation=world.org_a, title="Counts A", as_of=run.started_at,
                period_definition="2024", method="count", published_by=world.everything_a,
            )  # fmt: skip
        world.objects_a.update(linkage_pair=pair, linkage_publication=published)
    return world.objects_a[f"linkage_{kind}"]


URL_SAMPLES.update(
    {
        "evidence:review_pair": lambda w: {"pk": _linkage_sample(w, "pair").pk},
        "public:withdraw": lambda w: {"pk": _linkage_sample(w, "publication").pk},
    }
)


def _victim_sample(world: World):
    """A victim of organisation A counted from report A-1 (created once per world)."""
    from panah.evidence.models import Victim, VictimMembership

    if "evidence_victim" not in world.objects_a:
        report = _evidence_sample(world, "report")
        with scopes_disabled():
            victim = Victim.objects.create(organisation=world.org_a, name="Victim-A")
            VictimMembership.objects.create(organisation=world.org_a, victim=victim, report=report)
        world.objects_a["evidence_victim"] = victim
        world.markers_a.append("Victim-A")
    return world.objects_a["evidence_victim"]


URL_SAMPLES["evidence:victim"] = lambda w: {"pk": _victim_sample(w).pk}


def _task_sample(world: World, kind: str):
    """A finished background task of organisation A started by the member with every role: an
    evidence linkage run, a casework import and a shelter import (created once per world)."""
    import json

    from panah.core import background
    from panah.core.crypto.keys import active_organisation_key
    from panah.core.models import BackgroundTask

    results = {
        "evidence.link": ("evidence.review_linkage", {"run": 7, "victims": 12, "reports": 30, "review": 4}),
        "cases.import": ("cases.import", {"rows": 3, "created": 3, "already_imported": 0,
                                          "errors": [], "error_count": 0, "dry_run": True,
                                          "saved": False}),
        "shelter.import": ("shelter.manage_shelter", {"rows": 2, "created": 2, "already_imported": 0,
                                                      "errors": [], "dry_run": True, "saved": False,
                                                      "kind": "needs"}),
    }  # fmt: skip
    key = f"task_{kind}"
    if key not in world.objects_a:
        permission, result = results[kind]
        item = BackgroundTask(
            organisation=world.org_a, started_by=world.everything_a, kind=kind,
            permission=permission, status=BackgroundTask.Status.FINISHED,
            key_id=active_organisation_key(world.org_a.pk).key_id,
        )  # fmt: skip
        item.result = background._seal(item, "result", json.dumps(result).encode())
        with scopes_disabled():
            item.save()
        world.objects_a[key] = item
    return world.objects_a[key]


URL_SAMPLES.update(
    {
        "evidence:task": lambda w: {"pk": _task_sample(w, "evidence.link").pk},
        "cases:import_task": lambda w: {"pk": _task_sample(w, "cases.import").pk},
        "shelter:import_task": lambda w: {"pk": _task_sample(w, "shelter.import").pk},
    }
)


# Routes whose object is open to every member holding the permission's roles, by design: the
# organisation's own members, invitations, evidence and publications belong to no case. Any
# other route with arguments must refuse a member who has the roles but is not assigned to or
# named on its object; a new one is assumed compartmented until listed here on purpose.
NOT_COMPARTMENTED = {
    "core:member_roles",
    "core:remove_member",
    "core:revoke_invitation",
    "evidence:report",
    "evidence:batch",
    "evidence:review_pair",
    "evidence:victim",
    # A linkage run's or an evidence import's task: the organisation's research, not a person's
    # (a casework or shelter import's task is shown only to the member who started it).
    "evidence:task",
    "public:withdraw",
}
# Whole apps of that kind: advocacy keeps no refugee's personal data (partners, officials, events,
# meetings, demands and briefs are the organisation's work, open to the roles that do it); safety's
# compartment is its role, by design: every safety officer of the organisation, plus the person's
# assigned caseworker (panah/safety/tests/test_views.py proves the caseworker side).
NOT_COMPARTMENTED_APPS = {"advocacy", "safety"}

# What the positive control must find on the page: the sample object it points to or lists.
SHOWS = {
    "people:list": "Person-A",
    "people:detail": "Person-A",
    "people:edit": "Person-A",
    "people:document_file": "%PDF-1.4",
    "cases:list": "Person-A",
    "cases:deadlines": "Person-A",
    "cases:detail": "Person-A",
    "cases:document_file": "%PDF-1.4",
    "core:members": "target-a@example.org",
    "evidence:report": "A-1",
    "evidence:batch": "a.csv",
    "evidence:review_pair": "A-2",
    "evidence:victim": "Victim-A",
    "evidence:task": "12 victims from 30 reports",
    "cases:import_task": "3 rows checked",
    "shelter:import_task": "2 rows checked",
    "shelter:needs": "Person-A",
    "shelter:need": "Person-A",
    "shelter:propose": "Person-A",
    "shelter:hosts": "Host-A",
    "shelter:host": "Host-A",
    "shelter:host_edit": "Host-A",
    "shelter:placements": "Person-A",
    "shelter:placement": "Person-A",
}


@dataclass(frozen=True)
class Route:
    name: str
    callback: Callable
    has_arguments: bool


def iter_routes(urlconf=None) -> Iterator[Route]:
    """Every named and unnamed URL pattern of the urlconf, with its namespaced name."""

    def walk(patterns, namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                yield from walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}{p.name}" if p.name else f"<unnamed {p.pattern}>"
                has_args = bool(p.pattern.regex.groups)
                yield Route(name, p.callback, has_args)

    yield from walk(get_resolver(urlconf).url_patterns, "")


def _client_for(user: User | None, *, verified: bool = True) -> Client:
    from conftest import verified_client

    if user is None:
        return Client()
    if verified:
        return verified_client(user)
    client = Client()
    client.force_login(user, backend="panah.core.backends.ModelBackend")
    return client


def _served(response) -> bool:
    """True when the response hands over the page rather than refusing or redirecting."""
    return response.status_code < 300 or response.status_code == 410


def check_url(world: World, route: Route, urlconf=None, samples: dict | None = None) -> list[str]:
    """Every way `route` serves something it should not; an empty list when it is sound."""
    problems: list[str] = []
    access = getattr(route.callback, "panah_access", None)
    if access is None:
        return [
            f"{route.name}: the view has no access mark (public, signed_in, needs_permission...)"
        ]
    if route.name.startswith("<unnamed"):
        return [f"{route.name}: give the URL pattern a name so the matrix can reach it"]
    if access == PUBLIC:
        if route.name not in EXPECTED_PUBLIC:
            problems.append(f"{route.name}: public view not listed in EXPECTED_PUBLIC")
        return problems
    samples = {**URL_SAMPLES, **(samples or {})}
    if route.has_arguments and route.name not in samples:
        return [f"{route.name}: add sample arguments to URL_SAMPLES"]
    kwargs = samples[route.name](world) if route.has_arguments else {}
    url = reverse(route.name, kwargs=kwargs, urlconf=urlconf)

    def ask(client: Client, who: str, *, refuse: tuple[int, ...] = (302, 403, 404, 405)) -> None:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code not in refuse:
                problems.append(
                    f"{route.name}: {method.upper()} as {who} answered {response.status_code}"
                )
            elif response.status_code == 302 and _redirects_into_app(response):
                problems.append(
                    f"{route.name}: {method.upper()} as {who} redirected to {response['Location']}"
                )

    ask(_client_for(None), "anonymous visitor")
    if access != PASSWORD_ONLY:
        password_only_user = world.make_member(world.org_a, Role.values)
        ask(_client_for(password_only_user, verified=False), "a user without second factor")
    if access in (PASSWORD_ONLY, SIGNED_IN):
        return problems

    # A member of A without any role that grants the permission.
    try:
        granting = roles_granting(access)
    except LookupError as exc:
        return [*problems, f"{route.name}: {exc}"]
    other_roles = [r for r in Role.values if r not in granting]
    if other_roles:
        member = world.make_member(world.org_a, other_roles)
        ask(_client_for(member), f"a member of A with roles {other_roles}", refuse=(403, 404, 405))
    # A member of A with every granting role, neither assigned to nor named on anything.
    granting = sorted(str(r) for r in granting)
    unassigned = _client_for(world.make_member(world.org_a, granting))
    who = f"a member of A with roles {granting}, not assigned or named"
    if not route.has_arguments:
        problems += _leaks(world, route, unassigned, url, who, world.compartment_markers)
    elif route.name not in NOT_COMPARTMENTED and route.name.split(":")[0] not in (
        NOT_COMPARTMENTED_APPS
    ):
        ask(unassigned, who, refuse=(403, 404, 405))
    # A member of B with every role: A's objects must not be found.
    outsider = _client_for(world.everything_b)
    if route.has_arguments:
        ask(outsider, "a member of organisation B", refuse=(404, 405))
    else:
        problems += _leaks(world, route, outsider, url, "organisation B", world.markers_a)
    # Positive control: the right member is served and sees the object, so the refusals above
    # mean something.
    response = _client_for(world.everything_a).get(url)
    if response.status_code in (403, 404, 500):
        problems.append(f"{route.name}: a member of A with every role got {response.status_code}")
    elif route.name in SHOWS and SHOWS[route.name].encode() not in response.content:
        problems.append(
            f"{route.name}: a member of A with every role was not shown {SHOWS[route.name]!r}"
        )
    return problems


def _leaks(world: World, route: Route, client: Client, url: str, who: str, markers) -> list[str]:
    response = client.get(url)
    body = response.content.decode(errors="replace") if _served(response) else ""
    leaked = [m for m in markers if m in body]
    return [f"{route.name}: {who} sees A's data {leaked}"] if leaked else []


def _redirects_into_app(response) -> bool:
    """A refusal redirects to the login or second-factor page, or to choosing an organisation."""
    location = response["Location"].split("?")[0]
    allowed = {
        reverse("core:login"),
        reverse("core:two_factor"),
        reverse("core:choose_organisation"),
    }
    return location not in allowed
