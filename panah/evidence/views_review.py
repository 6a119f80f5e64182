"""Pages of the linkage: running it, the review queue of uncertain pairs, and its history.

A reviewer sees two reports side by side with each comparison's evidence for and against
(its match weight), and says "same person" or "two people" with a reason; the decision is
applied to the victims at once and taken as given by every later linkage run.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from panah.core import background
from panah.core.access import get_for_member, permission_required, require

from . import linking, tasks
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .models import LinkageRun, MergeSplitEvent, Report, ReviewDecision, ReviewPair
from .statistics import latest_run

COMPARISON_LABELS = {
    "given": gettext_lazy("Given name"),
    "surname": gettext_lazy("Surname"),
    "father": gettext_lazy("Father's name"),
    "date": gettext_lazy("Execution date"),
    "age": gettext_lazy("Age"),
    "place": gettext_lazy("Place"),
    "charge": gettext_lazy("Charge"),
    "gender": gettext_lazy("Gender"),
}
# The report fields shown side by side, in order.
SIDE_BY_SIDE = (
    ("source", gettext_lazy("Source")),
    ("source_reference", gettext_lazy("Source reference")),
    ("name_as_written", gettext_lazy("Name as written")),
    ("father_name", gettext_lazy("Father's name")),
    ("age", gettext_lazy("Age")),
    ("gender", gettext_lazy("Gender")),
    ("ethnicity", gettext_lazy("Ethnicity")),
    ("province", gettext_lazy("Province")),
    ("city", gettext_lazy("City")),
    ("prison", gettext_lazy("Prison")),
    ("charge_category", gettext_lazy("Charge")),
    ("date_as_written", gettext_lazy("Date as written")),
    ("dates", gettext_lazy("Dates it can denote")),
    ("announced", gettext_lazy("Announced")),
    ("verification", gettext_lazy("Verification")),
)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (ReviewDecision.Decision.MATCH, gettext_lazy("Same person: merge")),
            (ReviewDecision.Decision.NON_MATCH, gettext_lazy("Two different people: split")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy(
            "Kept with the decision and shown in the history: the evidence that decided it."
        ),
    )


def _pending(organisation) -> tuple[LinkageRun | None, object]:
    run = latest_run(organisation)
    pairs = ReviewPair.objects.none()
    if run is not None:
        pairs = (
            ReviewPair.objects.filter(organisation=organisation, run=run)
            .select_related("report_a__source", "report_b__source")
            .order_by("-probability", "pk")
        )
    return run, pairs


@permission_required("evidence.view_evidence")
def review_queue(request: HttpRequest) -> HttpResponse:
    """The latest linkage run and its uncertain pairs, most probable first."""
    run, pairs = _pending(request.organisation)
    page = Paginator(pairs, 25).get_page(request.GET.get("page"))
    runs = LinkageRun.objects.filter(organisation=request.organisation).order_by(
        "-started_at", "-pk"
    )[:5]
    return render(
        request,
        "evidence/review_queue.html",
        {"run": run, "page": page, "runs": runs, "min_train": linking.MIN_TRAIN_REPORTS},
    )


def _side_by_side(a: Report, b: Report) -> list[dict]:
    def value(report: Report, key: str) -> str:
        if key == "source":
            return report.source.name
        if key == "dates":
            if not report.date_start:
                return ""
            if report.date_end == report.date_start:
                return report.date_start.isoformat()
            return f"{report.date_start.isoformat()} – {report.date_end.isoformat()}"
        if key in ("gender", "charge_category", "announced", "verification"):
            return getattr(report, f"get_{key}_display")()
        raw = getattr(report, key)
        return "" if raw is None else str(raw)

    rows = []
    for key, label in SIDE_BY_SIDE:
        left, right = value(a, key), value(b, key)
        rows.append({"label": label, "a": left, "b": right, "same": left == right and left != ""})
    return rows


@permission_required("evidence.view_evidence")
def review_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Two reports side by side, the evidence for and against, and the decision form."""
    pair = get_for_member(request, ReviewPair, pk=pk)
    a = Report.objects.select_related("source").get(pk=pair.report_a_id)
    b = Report.objects.select_related("source").get(pk=pair.report_b_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        require(request, "evidence.review_linkage")
        if form.is_valid():
            try:
                linking.decide_pair(
                    organisation=request.organisation, report_a=a, report_b=b,
                    decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"],
                    by=request.user, pair=pair, request=request,
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Decision recorded and applied to the victims."))
                _run, pending = _pending(request.organisation)
                following = pending.first()
                if following is not None:
                    return redirect("evidence:review_pair", pk=following.pk)
                return redirect("evidence:review_queue")
    evidence = [
        {
            **item,
            "label": COMPARISON_LABELS.get(item["comparison"], item["comparison"]),
            "direction": "for"
            if item["weight"] + item["tf"] > 0
            else "against"
            if item["weight"] + item["tf"] < 0
            else "neutral",
            "total": round(item["weight"] + item["tf"], 2),
        }
        for item in pair.evidence
    ]
    victims = linking.current_victim_of([a.pk, b.pk])
    return render(
        request,
        "evidence/review_pair.html",
        {
            "pair": pair,
            "a": a,
            "b": b,
            "rows": _side_by_side(a, b),
            "evidence": evidence,
            "form": form,
            "victim_a": victims.get(a.pk),
            "victim_b": victims.get(b.pk),
            "earlier": ReviewDecision.objects.filter(report_a=a, report_b=b).select_related(
                "decided_by"
            ),
        },
    )


@permission_required("evidence.review_linkage")
@require_POST
def linkage_run(request: HttpRequest) -> HttpResponse:
    """Start linking the reports in the background; its page shows the progress and the outcome."""
    task = background.start(
        organisation=request.organisation,
        by=request.user,
        kind=tasks.LINK,
        permission="evidence.review_linkage",
        parameters={"retrain": request.POST.get("retrain") == "1"},
        request=request,
    )
    return redirect("evidence:task", pk=task.pk)


@permission_required("evidence.view_evidence")
def linkage_history(request: HttpRequest) -> HttpResponse:
    """Every run, decision and merge or split: who, when, why."""
    organisation = request.organisation
    return render(
        request,
        "evidence/linkage_history.html",
        {
            "runs": LinkageRun.objects.filter(organisation=organisation)
            .select_related("started_by")
            .order_by("-started_at", "-pk")[:50],
            "decisions": ReviewDecision.objects.filter(organisation=organisation)
            .select_related("decided_by")
            .order_by("-decided_at", "-pk")[:100],
            "events": MergeSplitEvent.objects.filter(organisation=organisation)
            .select_related("by", "run")
            .order_by("-at", "-pk")[:100],
        },
    )
