"""Reads of the cases app, always within the member's organisation and what they may open.

Every list is a fixed number of queries whatever its length (a query-count test proves it):
the person comes with `select_related`, the stage and the nearest binding deadline are
materialised on the case, and a case page attaches the case to its rows instead of fetching it
again for each (the rows decrypt with the person's key).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

import numpy as np
from django.db import NotSupportedError
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.functions import Cast, Coalesce
from django_scopes import get_scope
from django_scopes.exceptions import ScopeError

from panah.core.crypto import blind_index
from panah.core.crypto.keys import OrgKey, organisation_key
from panah.core.models import Membership, Organisation, OrganisationKey, Role, User
from panah.people.models import NAME_COLUMNS

from .models import (
    Appointment,
    Case,
    CaseDocument,
    CaseNote,
    CaseStep,
    ChosenResidence,
    Deadline,
    Referral,
)
from .rules import open_to, sees_all

# The blind-index kind of Case.external_reference.
REFERENCE = "case_reference"


def reference_index(org_key: OrgKey, reference: str) -> str:
    """The keyed hash kept in Case.external_reference_index (of the reference, trimmed)."""
    return blind_index.digest(org_key, REFERENCE, reference.strip())


def imported_references(organisation: Organisation, references: list[str]) -> set[str]:
    """Those of `references` that are already the external reference of one of the
    organisation's cases, compared by keyed hash under each of its keys (a rotation keeps
    the older hashes valid)."""
    keys = [
        organisation_key(key_id, organisation_id=organisation.pk)
        for key_id in OrganisationKey.objects.filter(organisation=organisation)
        .exclude(wrapped_key=b"")
        .values_list("key_id", flat=True)
    ]
    by_digest = {reference_index(k, r): r for k in keys for r in references}
    digests = list(by_digest)
    found: set[str] = set()
    for start in range(0, len(digests), 5000):  # within SQLite's limit of bound parameters
        found.update(
            by_digest[d]
            for d in Case.objects.filter(
                organisation=organisation,
                external_reference_index__in=digests[start : start + 5000],
            ).values_list("external_reference_index", flat=True)
        )
    return found


def case_of_organisation(organisation_id: int, pk: UUID) -> Case | None:
    """The organisation's case with this id, or None. The organisation must be the one in
    scope: asking for another's is a programming error (ScopeError), not an empty answer."""
    current = get_scope()
    in_scope = getattr(current.get("organisation"), "pk", current.get("organisation"))
    if current.get("_enabled", True) and in_scope != organisation_id:
        raise ScopeError(f"case of organisation {organisation_id} asked in scope {in_scope}")
    # Every page of a case shows or checks its person: fetched with it, not in a second query.
    return (
        Case.objects.filter(organisation_id=organisation_id, pk=pk).select_related("person").first()
    )


SOON_DAYS = 7
# The deadlines page also lists what comes later, so a 30-day appeal shows from its first day.
LATER_DAYS = 60
# The deadlines page shows this many rows a page, the most urgent first, and pages on. Drawing a
# row costs about a quarter of a millisecond (its person's name decrypted, its dates in both
# calendars); the whole organisation's 200 rows cost 55 ms of CPU a visit, 50 cost a quarter.
BOARD_PAGE_ROWS = 50


def visible_cases(membership: Membership) -> QuerySet[Case]:
    """The cases this member may open (rules.open_to: restricted ones only when named on them)."""
    return open_to(membership, Case.objects.filter(organisation_id=membership.organisation_id))


def _visible_deadlines(membership: Membership, *, everyone: bool) -> QuerySet[Deadline]:
    """Deadlines of the cases the member may open (of those they follow, unless `everyone`)."""
    qs = open_to(
        membership,
        Deadline.objects.filter(organisation_id=membership.organisation_id),
        via="case__",
    )
    if sees_all(membership) and not everyone:
        qs = qs.filter(case__assignments__user_id=membership.user_id)
    return qs


def _only_assigned(qs: QuerySet[Case], membership: Membership) -> QuerySet[Case]:
    # A join, as in rules.open_to (one assignment per case and member, so no row repeats).
    return qs.filter(assignments__user_id=membership.user_id)


def case_list(membership: Membership, *, everyone: bool = False) -> QuerySet[Case]:
    """The member's cases (or, for coordinators, every case they may open), most urgent first:
    the nearest binding deadline first, cases without one after, oldest registration first."""
    qs = visible_cases(membership)
    if sees_all(membership) and not everyone:
        qs = _only_assigned(qs, membership)
    # A row shows its person's name only: not every sealed field of each person.
    return (
        qs.select_related("person")
        .only(
            *(f.name for f in Case._meta.concrete_fields),
            *(f"person__{name}" for name in NAME_COLUMNS),
        )
        .order_by(F("next_binding_due").asc(nulls_last=True), "ended", "registered_on", "id")
    )


# Lists of deadlines put consequence first: a binding deadline (an appeal to the CALL: missing
# it can cost the appeal) above every indicative one (the CGRS's own time limits, with no
# sanction), then the nearest date.
BY_CONSEQUENCE = ("-binding", "due_on", "case_id", "rule_code")


def open_deadlines(
    membership: Membership, *, today: dt.date, everyone: bool, days: int = LATER_DAYS
) -> QuerySet[Deadline]:
    """The open deadlines the member's deadline views speak of: those of the cases they may
    open (only the ones they follow, unless `everyone`), overdue or due within `days` days,
    binding first. The deadlines page lists them and the dashboard counts them: one query, so
    the two cannot disagree."""
    return (
        _visible_deadlines(membership, everyone=everyone)
        .filter(due_on__lte=today + dt.timedelta(days=days))
        .order_by(*BY_CONSEQUENCE)
    )


WHEN = ("overdue", "soon", "later")


@dataclass
class DeadlineGroup:
    """Deadlines of one kind (binding or indicative) on the page shown: past, due soon, later;
    and which of the three are empty on every page (`empty`), the only ones the page may call
    empty."""

    overdue: list[Deadline] = field(default_factory=list)
    soon: list[Deadline] = field(default_factory=list)
    later: list[Deadline] = field(default_factory=list)
    empty: set[str] = field(default_factory=set)

    @property
    def shown(self) -> bool:
        """Whether this page has one of its rows."""
        return bool(self.overdue or self.soon or self.later)

    @property
    def none_at_all(self) -> bool:
        """Whether the board holds none of its rows, on any page."""
        return self.empty == set(WHEN)


@dataclass
class DeadlineBoard:
    """A page of the deadlines board: every binding deadline above every indicative one."""

    binding: DeadlineGroup = field(default_factory=DeadlineGroup)
    indicative: DeadlineGroup = field(default_factory=DeadlineGroup)
    binding_overdue: int = 0  # on every page: the dashboard's figure
    number: int = 1
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(page: int | str | None) -> int:
    # Past the last page the board shows the first; a number too large for the database's
    # OFFSET is past it too.
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        return 1
    return number if number <= 1_000_000 else 1


def deadline_board(
    membership: Membership,
    *,
    today: dt.date,
    everyone: bool = False,
    days: int = SOON_DAYS,
    later_days: int = LATER_DAYS,
    page: int | str | None = 1,
) -> DeadlineBoard:
    """A page (`BOARD_PAGE_ROWS` rows) of the open deadlines of the member's cases, binding ones
    first: past, due within `days` days, and later ones up to `later_days` days ahead. Two
    queries: the dashboard's count of overdue binding deadlines, and the page's rows."""
    deadlines = open_deadlines(
        membership, today=today, everyone=everyone, days=max(days, later_days)
    )
    soon = today + dt.timedelta(days=days)
    board = DeadlineBoard(number=_page_number(page))
    board.binding_overdue = deadline_counts(membership, today=today, everyone=everyone)["overdue"]
    # A row shows the person's name only: the case's and the person's other columns (every
    # sealed field) were read and set on every instance for nothing.
    deadlines = deadlines.select_related("case__person").only(
        *(f.name for f in Deadline._meta.concrete_fields),
        "case__person",
        *(f"case__person__{name}" for name in NAME_COLUMNS),
    )
    # No COUNT of every row (18 ms of PostgreSQL over a coalition's 12,000): one row more than
    # a page tells whether another page follows. A page past the end shows the first.
    for _attempt in range(2):
        start = (board.number - 1) * BOARD_PAGE_ROWS
        rows = list(deadlines[start : start + BOARD_PAGE_ROWS + 1])
        if rows or board.number == 1:
            break
        board.number = 1
    board.has_next = len(rows) > BOARD_PAGE_ROWS
    order = [(group, name) for group in (board.binding, board.indicative) for name in WHEN]
    for row in rows[:BOARD_PAGE_ROWS]:
        group = board.binding if row.binding else board.indicative
        name = "overdue" if row.due_on < today else "soon" if row.due_on <= soon else "later"
        getattr(group, name).append(row)
    # The rows come in the order of `order`: a part without a row here is empty on every page
    # when it lies between two parts shown, before the first on the first page, or after the
    # last on the last page. Otherwise its rows are on another page, and nothing is said of it.
    shown = [i for i, (group, name) in enumerate(order) if getattr(group, name)]
    first, last = (shown[0], shown[-1]) if shown else (len(order), -1)
    for i, (group, name) in enumerate(order):
        if not getattr(group, name) and (
            first < i < last
            or (i < first and board.number == 1)
            or (i > last and not board.has_next)
        ):
            group.empty.add(name)
    return board


@dataclass
class CasePage:
    case: Case
    history: list[CaseStep]
    deadlines: list[Deadline]
    residences: list[ChosenResidence]
    notes: list[CaseNote]
    documents: list[CaseDocument]
    appointments: list[Appointment]
    referrals: list[Referral]
    caseworkers: list[User]

    @property
    def current_steps(self) -> list[CaseStep]:
        """The history without superseded steps, in order (as services.current_steps)."""
        return [step for step in self.history if step.superseded_at is None]


def case_page(case: Case) -> CasePage:
    """Everything the case page shows; each row carries the case, so its person's key is reused.

    The members the page names (who recorded a step or wrote a note, an appointment's
    attendee, the caseworkers) are read once, with their names only, and set on the rows: a
    join per list read every column of the user row four times over (docs/performance.md).
    """

    def attach(rows):
        rows = list(rows)
        for row in rows:
            row.case = case
        return rows

    history = attach(
        CaseStep.objects.filter(case=case).order_by("occurred_on", "sequence", "recorded_at")
    )
    notes = attach(CaseNote.objects.filter(case=case))
    appointments = attach(Appointment.objects.filter(case=case))
    assigned = set(case.assignments.values_list("user_id", flat=True))
    named = {
        *assigned,
        *(s.recorded_by_id for s in history),
        *(s.superseded_by_id for s in history),
        *(n.author_id for n in notes),
        *(a.attendee_id for a in appointments),
    } - {None}
    members = list(
        User.objects.filter(pk__in=named)
        .only("pk", "display_name", "email")
        .order_by("display_name")
    )
    by_id = {member.pk: member for member in members}
    for step in history:
        step.recorded_by = by_id.get(step.recorded_by_id)
        step.superseded_by = by_id.get(step.superseded_by_id)
    for note in notes:
        note.author = by_id.get(note.author_id)
    for appointment in appointments:
        appointment.attendee = by_id.get(appointment.attendee_id)
    return CasePage(
        case=case,
        history=history,
        deadlines=attach(Deadline.objects.filter(case=case).order_by(*BY_CONSEQUENCE)),
        residences=attach(ChosenResidence.objects.filter(case=case)),
        notes=notes,
        documents=attach(CaseDocument.objects.filter(case=case)),
        appointments=appointments,
        referrals=attach(Referral.objects.filter(case=case)),
        caseworkers=[member for member in members if member.pk in assigned],
    )


def my_appointments(membership: Membership, *, since: dt.datetime) -> QuerySet[Appointment]:
    """Appointments the member attends, from `since` on, in the cases they may still open."""
    return (
        Appointment.objects.filter(
            organisation_id=membership.organisation_id,
            attendee_id=membership.user_id,
            starts_at__gte=since,
            case__in=visible_cases(membership).values("pk"),
        )
        .select_related("case")
        .order_by("starts_at")
    )


def deadline_counts(membership: Membership, *, today: dt.date, everyone: bool) -> dict[str, int]:
    """How many binding deadlines are overdue and due within a week (for the dashboard),
    counted over the rows the deadlines page lists (`open_deadlines`)."""
    soon = today + dt.timedelta(days=SOON_DAYS)
    return (
        open_deadlines(membership, today=today, everyone=everyone, days=SOON_DAYS)
        .filter(binding=True)
        .order_by()
        .aggregate(
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
        )
    )


def open_case_count(membership: Membership) -> int:
    return visible_cases(membership).filter(ended=False).count()


def case_members(organisation_id: int) -> QuerySet[Membership]:
    """Members who may follow cases (caseworkers, coordinators, admins), by name."""
    return (
        Membership.objects.filter(
            organisation_id=organisation_id,
            removed_at__isnull=True,
            grants__role__in=[Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN],
        )
        .select_related("user")
        .distinct()
        .order_by("user__display_name", "user__email")
    )


class DayNumber(Func):
    """A date as its day number, Python's `date.toordinal()`, computed by the database (NULL
    stays NULL): the waiting-time statistics read 100,000 dates without building a `date`
    object for each. Written for the two databases Panah runs on."""

    arity = 1
    output_field = IntegerField()
    # 719,163 is date(1970, 1, 1).toordinal(); counting from 1970 keeps clear of old calendars.
    _TEMPLATES = {
        "sqlite": "(CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER) + 719163)",
        "postgresql": "((%(expressions)s) - DATE '1970-01-01' + 719163)",
    }

    @property
    def convert_value(self):
        return self._convert_value_noop  # the database gives an integer already: no int() per row

    def as_sql(self, compiler, connection, **extra_context):
        template = self._TEMPLATES.get(connection.vendor)
        if template is None:
            raise NotSupportedError(f"DayNumber is not written for {connection.vendor}.")
        return super().as_sql(compiler, connection, template=template, **extra_context)


# A case's two day numbers as one integer, registration * _PAIR + first decision (0 while
# waiting): one number to print per case instead of two and a comma (16 -> 14 ms of PostgreSQL
# for 50,000 cases). Day numbers stay below 1,000,000 until the year 2738.
_PAIR = 1_000_000


class _Joined(Aggregate):
    """The texts of a group joined with commas, in one value (both databases have it)."""

    output_field = TextField()
    _TEMPLATES = {
        "sqlite": "GROUP_CONCAT(%(expressions)s, ',')",
        "postgresql": "STRING_AGG(%(expressions)s, ',')",
    }

    def as_sql(self, compiler, connection, **extra_context):
        template = self._TEMPLATES.get(connection.vendor)
        if template is None:
            raise NotSupportedError(f"_Joined is not written for {connection.vendor}.")
        return super().as_sql(compiler, connection, template=template, **extra_context)


@dataclass
class WaitingGroup:
    """The cases of one procedure and nationality that count in the waiting times, as two columns
    of day numbers (`date.toordinal()`): registration, and first decision (NaN while waiting)."""

    procedure: str
    nationality: str
    starts: np.ndarray
    ends: np.ndarray


def waiting_columns(organisation_id: int) -> list[WaitingGroup]:
    """The cases that count in the waiting times, by procedure and nationality. A case that
    ended without a decision is left out.

    One query, one row per procedure and nationality: the database joins a group's day numbers
    into one text that numpy reads at once. Fetching one row per case (50,000 rows of four
    values) cost 16 ms of Python, the text of the same numbers under 3 ms.
    """
    rows = (
        Case.objects.filter(organisation_id=organisation_id)
        .exclude(ended=True, first_decision_on__isnull=True)
        .order_by()
        .values_list("procedure", "nationality")
        .annotate(
            days=_Joined(
                Cast(
                    Cast(DayNumber("registered_on"), BigIntegerField()) * _PAIR
                    + Coalesce(DayNumber("first_decision_on"), 0),
                    TextField(),
                )
            )
        )
    )
    groups = []
    for procedure, nationality, days in rows:
        pairs = np.fromstring(days, dtype=np.int64, sep=",")
        starts, ends = np.divmod(pairs, _PAIR)
        ends = ends.astype(float)
        ends[ends == 0] = np.nan  # no decision yet
        groups.append(WaitingGroup(procedure, nationality, starts.astype(float), ends))
    return groups


def recent_case_activity(person: OuterRef, cutoff: dt.datetime) -> Q:
    """Whether the person had a case opened, or a step recorded or dated, since `cutoff`.

    Registered with people's retention: such a person is still active and is kept.
    """
    return Exists(Case._base_manager.filter(person=person, opened_at__gte=cutoff)) | Exists(
        CaseStep._base_manager.filter(
            Q(recorded_at__gte=cutoff) | Q(occurred_on__gte=cutoff.date()), case__person=person
        )
    )
