"""What encryption costs: list 1,000 people with decrypted names vs the same list in plaintext.

Runs on its own throw-away SQLite database and keyring (a temporary PANAH_VAR_DIR), creates
1,000 demo people, copies their list columns into a plaintext shadow table that exists only in
this benchmark database, then times the same listing (query, model instances, the people list
table rendered by its template) on both, interleaved, and prints the medians and their ratio.
Target: under 1.5x with warm key caches (a running server).

    .venv/bin/python bench/encryption.py [--people 1000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="panah-bench-encryption-")
    os.environ["PANAH_VAR_DIR"] = var_dir
    os.environ["PANAH_MODE"] = "demo"
    os.environ.pop("PANAH_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panah.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection, models
    from django.template.loader import render_to_string
    from django_scopes import scope

    from panah.core.crypto.keys import clear_key_caches
    from panah.core.models import Organisation
    from panah.people.demo import create_demo_people
    from panah.people.queries import people_list

    print(f"Database and keyring in {var_dir} (figures taken while other work may run)")
    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(name="Bench", slug="bench")
    started = time.perf_counter()
    create_demo_people(org, args.people)
    print(f"Created {args.people} people in {time.perf_counter() - started:.1f} s")

    class PlainPerson(models.Model):  # noqa: DJ008
        """The same list columns in plaintext: only in this benchmark's database."""

        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        given_name_fa = models.TextField(blank=True)
        family_name_fa = models.TextField(blank=True)
        given_name_latin = models.TextField(blank=True)
        family_name_latin = models.TextField(blank=True)
        date_of_birth = models.DateField(null=True)
        created_at = models.DateTimeField()

        class Meta:
            app_label = "people"
            db_table = "bench_plain_person"
            managed = False

        @property
        def name_latin(self) -> str:
            return " ".join(n for n in (self.given_name_latin, self.family_name_latin) if n)

        @property
        def name_fa(self) -> str:
            return " ".join(n for n in (self.given_name_fa, self.family_name_fa) if n)

    with connection.schema_editor() as editor:
        editor.create_model(PlainPerson)
    with scope(organisation=org):
        PlainPerson.objects.bulk_create(
            PlainPerson(
                id=p.pk,
                given_name_fa=p.given_name_fa,
                family_name_fa=p.family_name_fa,
                given_name_latin=p.given_name_latin,
                family_name_latin=p.family_name_latin,
                date_of_birth=p.date_of_birth,
                created_at=p.created_at,
            )
            for p in people_list(org)
        )

    def encrypted(render: bool) -> int:
        with scope(organisation=org):
            people = list(people_list(org))
            if render:
                return len(render_to_string("people/_person_table.html", {"people": people}))
            return sum(len(p.name_latin) + len(p.name_fa) for p in people)

    def plain(render: bool) -> int:
        people = list(PlainPerson.objects.order_by("-created_at"))
        if render:
            return len(render_to_string("people/_person_table.html", {"people": people}))
        return sum(len(p.name_latin) + len(p.name_fa) for p in people)

    def timed(fn, *, render: bool, cold: bool = False) -> float:
        if cold:
            clear_key_caches()
        t0 = time.perf_counter()
        fn(render)
        return time.perf_counter() - t0

    assert encrypted(True) == plain(True), "the two listings must render the same page"
    for render in (True, False):
        results: dict[str, list[float]] = {"plain": [], "warm": [], "cold": []}
        for _ in range(args.rounds):
            results["plain"].append(timed(plain, render=render))
            results["warm"].append(timed(encrypted, render=render))
            results["cold"].append(timed(encrypted, render=render, cold=True))
        med = {k: statistics.median(v) * 1000 for k, v in results.items()}
        what = "query + instances + rendered table" if render else "query + instances + names"
        print(f"\nList of {args.people} people ({what}), median of {args.rounds} rounds:")
        print(f"  plaintext shadow table      {med['plain']:8.1f} ms")
        print(
            f"  encrypted, warm key cache   {med['warm']:8.1f} ms   ratio {med['warm'] / med['plain']:.2f}x"
        )
        print(
            f"  encrypted, cold key cache   {med['cold']:8.1f} ms   ratio {med['cold'] / med['plain']:.2f}x"
            "  (every data key unwrapped)"
        )
    print("\nTarget: under 1.5x (warm cache, rendered table).")
    connection.close()
    shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
