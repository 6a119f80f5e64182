"""The statistics page's estimate is made by the background worker, never in the request: the page
shows the rest at once and says the estimate is being computed; one task per state of the records;
the task's result is shown to its organisation only.

The tests hold tasks in the queue with django-tasks' dummy backend and run them with
`background.execute`, as `panah worker` does; the default cache is cleared after the worker's run
because the real worker is another process with a cache of its own.
"""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django_scopes import scopes_disabled

from panah.core import audit, background
from panah.core.crypto.keys import active_organisation_key
from panah.core.models import BackgroundTask, Role
from panah.evidence import tasks
from panah.evidence.statistics import Statistics

from .linking_fixtures import LIGHT_ESTIMATE
from .test_review import reauthenticated
from .test_statistics import world  # noqa: F401

pytestmark = pytest.mark.django_db
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
PAGE = reverse("evidence:statistics")
PENDING = "The estimate is being computed"


@pytest.fixture(autouse=True)
def _light(settings, world):
    settings.EVIDENCE_WEB_ESTIMATE = LIGHT_ESTIMATE
    settings.DISCLOSURE_THRESHOLD = 5
    cache.clear()
    # The organisation's key is made (an audited write) on first use: a running organisation
    # has had it long before anyone opens the statistics page.
    active_organisation_key(world.pk)


def estimate_tasks(org):
    with scopes_disabled():
        return list(BackgroundTask.objects.filter(organisation=org, kind=tasks.ESTIMATE))


def _refuse(self, *args, **kwargs):
    raise AssertionError("the estimate was computed in the request")


@pytest.fixture
def no_estimate_here(monkeypatch):
    """Statistics.estimate fails if called: the request must not compute it."""

    original = Statistics.estimate
    monkeypatch.setattr(Statistics, "estimate", _refuse)
    return lambda: monkeypatch.setattr(Statistics, "estimate", original)


@override_settings(TASKS=DUMMY)
def test_the_page_answers_at_once_and_shows_the_estimate_the_worker_made(
    world, make_member, login_as, no_estimate_here, monkeypatch
):
    first = login_as(make_member(world, [Role.RESEARCHER], email="r1@example.org"))
    second = login_as(make_member(world, [Role.RESEARCHER], email="r2@example.org"))
    position = audit.chain_position(world)

    page = first.get(PAGE, {"estimate": "all"})
    text = page.content.decode()
    assert page.status_code == 200 and PENDING in text
    assert "Sources" in text and "estimated: about" not in text  # the rest is shown at once
    # Many members opening the page: one computation.
    assert PENDING in second.get(PAGE, {"estimate": "all"}).content.decode()
    assert PENDING in first.get(PAGE, {"estimate": "all"}).content.decode()
    [task] = estimate_tasks(world)
    assert task.status == BackgroundTask.Status.QUEUED
    # Like the page, starting it writes nothing to the organisation's chain (which keys it).
    assert audit.chain_position(world) == position
    # The page follows the task and refreshes itself (htmx), or by a link without JavaScript.
    assert reverse("evidence:task", args=[task.pk]) + "?part=progress" in text
    assert "Refresh" in text

    no_estimate_here()  # the worker may compute it
    assert background.execute(str(task.pk)) == BackgroundTask.Status.FINISHED
    cache.clear()  # the worker is another process: its cache is not the web server's
    monkeypatch.setattr(Statistics, "estimate", _refuse)

    for client in (second, first):
        text = client.get(PAGE, {"estimate": "all"}).content.decode()
        assert "estimated: about" in text and PENDING not in text
    assert len(estimate_tasks(world)) == 1
    # Its page says it is ready and leads back to the statistics asked for.
    done = first.get(reverse("evidence:task", args=[task.pk])).content.decode()
    assert "The estimate is ready." in done and "estimate=all" in done


@override_settings(TASKS=DUMMY)
def test_another_year_or_a_write_to_the_records_asks_for_another_computation(
    world, make_member, login_as, no_estimate_here
):
    client = login_as(make_member(world, [Role.RESEARCHER]))
    client.get(PAGE, {"estimate": "all"})
    client.get(PAGE, {"estimate": "2024"})
    assert len(estimate_tasks(world)) == 2
    audit.record("evidence.test_write", organisation=world)  # any audited write
    client.get(PAGE, {"estimate": "all"})
    assert len(estimate_tasks(world)) == 3


@override_settings(TASKS=DUMMY)
def test_another_organisation_never_sees_the_estimate_or_its_task(
    world, org_b, make_member, login_as, no_estimate_here
):
    ours = login_as(make_member(world, [Role.RESEARCHER]))
    outsider = login_as(make_member(org_b, [Role.RESEARCHER]))
    ours.get(PAGE, {"estimate": "all"})
    [task] = estimate_tasks(world)
    no_estimate_here()
    background.execute(str(task.pk))
    cache.clear()

    text = outsider.get(PAGE, {"estimate": "all"}).content.decode()
    assert "estimated: about" not in text
    assert outsider.get(reverse("evidence:task", args=[task.pk])).status_code == 404
    assert "estimated: about" in ours.get(PAGE, {"estimate": "all"}).content.decode()


def test_with_tasks_run_at_once_the_page_shows_the_estimate_in_one_visit(
    world, make_member, login_as
):
    # The tests' immediate backend (and a development server without a worker would not).
    client = login_as(make_member(world, [Role.RESEARCHER]))
    text = client.get(PAGE, {"estimate": "all"}).content.decode()
    assert "estimated: about" in text and PENDING not in text


@override_settings(TASKS=DUMMY)
def test_publishing_an_estimate_not_yet_made_waits_for_it(
    world, make_member, login_as, no_estimate_here
):
    client = login_as(make_member(world, [Role.RESEARCHER]))
    form = {"title": "2024", "tables": ["yearly"], "verification": "all", "estimate": "all"}
    response = client.post(reverse("public:publish"), form)
    assert response.status_code == 302 and "estimate=all" in response["Location"]
    assert len(estimate_tasks(world)) == 1
    page = client.get(response["Location"]).content.decode()
    assert "Publish again once the page shows it" in page and PENDING in page


@override_settings(TASKS=DUMMY)
def test_a_failed_computation_is_said_and_started_again_only_when_asked(
    world, make_member, login_as, no_estimate_here
):
    client = login_as(make_member(world, [Role.RESEARCHER]))
    client.get(PAGE, {"estimate": "all"})
    [task] = estimate_tasks(world)
    # The estimator breaks in the worker (still refusing here): the task fails.
    assert background.execute(str(task.pk)) == BackgroundTask.Status.FAILED

    text = client.get(PAGE, {"estimate": "all"}).content.decode()
    assert "The estimate could not be computed." in text and PENDING not in text
    assert reverse("evidence:task", args=[task.pk]) in text
    assert len(estimate_tasks(world)) == 1  # no task started on every view
    text = client.get(PAGE, {"estimate": "all", "again": "1"}).content.decode()
    assert PENDING in text and len(estimate_tasks(world)) == 2


@override_settings(TASKS=DUMMY)
def test_the_estimate_download_waits_for_the_task_too(
    world, make_member, login_as, no_estimate_here, monkeypatch
):
    client = reauthenticated(login_as(make_member(world, [Role.RESEARCHER])))
    query = {"est-period": "all", "est-sources": ["IHR", "HRANA", "Hengaw"], "est-fmt": "csv"}
    response = client.get(reverse("evidence:estimate_download"), query)
    text = response.content.decode()
    assert response.status_code == 202 and PENDING in text
    assert "?part=progress" not in text  # reloading it would download the file again and again
    [task] = estimate_tasks(world)
    no_estimate_here()
    background.execute(str(task.pk))
    cache.clear()
    monkeypatch.setattr(Statistics, "estimate", _refuse)
    response = client.get(reverse("evidence:estimate_download"), query)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
