"""Erasing a person also shreds their sealed facts (called by panah.people.erasure).

The person's data key does not cover the sealed tier, so erasing it is not enough: each of the
person's incidents loses every sealed copy of its key (the only way to its key), its sealed
columns, and its evidence rows, whose encrypted files the erasure deletes with the person's
documents. Incidents that name the person only as linked are not theirs and are kept.
"""

from __future__ import annotations

from django_scopes import scopes_disabled

from .models import Incident, IncidentEvidence, IncidentKey


def erase_sealed_facts(person) -> list[str]:
    """Destroy the sealed tier of the person's incidents; returns the files to delete."""
    with scopes_disabled():
        incidents = Incident.objects.filter(
            organisation_id=person.organisation_id, person_id=person.pk
        ).values("pk")
        evidence = IncidentEvidence.objects.filter(incident_id__in=incidents)
        files = [name for name in evidence.values_list("stored_file", flat=True) if name]
        evidence.delete()
        IncidentKey.objects.filter(incident_id__in=incidents).delete()
        Incident.objects.filter(pk__in=incidents).update(
            sealed_narrative=None, sealed_sources=None, sealed_relatives=None
        )
    return files
