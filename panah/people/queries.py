"""Reads of the people app, always within one organisation.

Encrypted columns cannot be filtered or ordered in the database: lists are ordered by when a
person was registered, and names are found through the blind index (PersonToken).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from panah.core.crypto import blind_index
from panah.core.crypto.keys import organisation_key
from panah.core.models import Membership, Organisation, OrganisationKey

from .models import NAME_COLUMNS, ConsentRecord, Person, PersonDocument, PersonToken, TokenKind
from .rules import people_open_to

# A list of people shows their names (people.models.NAME_COLUMNS) and a few plain columns.
LIST_FIELDS = (*NAME_COLUMNS, "id", "date_of_birth", "created_at")


def people_for(membership: Membership, query: str = "") -> QuerySet[Person]:
    """The people this member may see (panah.people.rules), newest first, or those of them
    matching `query` (as search_people). What every page that lists people shows."""
    organisation = membership.organisation
    people = search_people(organisation, query) if query else people_list(organisation)
    return people_open_to(membership, people)


def people_list(organisation: Organisation) -> QuerySet[Person]:
    """The whole organisation's people, newest first, loading only what a list shows.

    For commands and benchmarks: a page lists `people_for(membership)`, the member's share."""
    return Person.objects.filter(organisation=organisation, erased_at__isnull=True).only(
        *LIST_FIELDS
    )


def _organisation_keys(organisation: Organisation) -> list:
    ids = (
        OrganisationKey.objects.filter(organisation=organisation)
        .exclude(wrapped_key=b"")
        .values_list("key_id", flat=True)
    )
    return [organisation_key(key_id, organisation_id=organisation.pk) for key_id in ids]


def search_people(organisation: Organisation, text: str) -> QuerySet[Person]:
    """People whose name has every word of `text` (either script), or whose document number is `text`.

    Exact match on normalised words: "Hosseini" finds "HOSSEINI" and "حسینی" finds "حسيني",
    but not "Hoseini". Nothing but keyed hashes is compared in the database.
    """
    words = sorted(set(blind_index.words(text)))
    number = blind_index.document_token(text)
    if not words and not number:
        return Person.objects.none()
    keys = _organisation_keys(organisation)
    tokens = PersonToken.objects.filter(organisation=organisation)
    match = Q(pk__in=[])
    if words:
        digests = [blind_index.digest(k, TokenKind.NAME, w) for k in keys for w in words]
        all_words = (
            tokens.filter(kind=TokenKind.NAME, digest__in=digests)
            .values("person")
            .annotate(n=Count("digest", distinct=True))
            .filter(n__gte=len(words))
            .values("person")
        )
        match |= Q(pk__in=all_words)
    if len(words) > 1:
        joined = "".join(blind_index.words(text))
        digests = [blind_index.digest(k, TokenKind.NAME, joined) for k in keys]
        match |= Q(pk__in=tokens.filter(kind=TokenKind.NAME, digest__in=digests).values("person"))
    if number:
        digests = [blind_index.digest(k, TokenKind.DOCUMENT, number) for k in keys]
        match |= Q(
            pk__in=tokens.filter(kind=TokenKind.DOCUMENT, digest__in=digests).values("person")
        )
    return people_list(organisation).filter(match)


def person_documents(person: Person) -> QuerySet[PersonDocument]:
    """A person's documents, oldest first, with the person (whose key opens them)."""
    return PersonDocument.objects.filter(person=person).select_related("person")


def person_consents(person: Person) -> QuerySet[ConsentRecord]:
    """A person's consents and legal bases, by category, the current ones first."""
    return ConsentRecord.objects.filter(person=person).order_by(
        "category", "withdrawn_on", "-given_on"
    )
