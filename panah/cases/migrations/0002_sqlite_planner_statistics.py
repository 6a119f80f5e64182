"""SQLite only: give the query planner statistics of the casework tables (PostgreSQL has its own).

SQLite plans with the statistics ANALYZE leaves in `sqlite_stat1`, and without them it guesses
that `organisation_id = ?` finds about ten rows, as selective as `case_id = ?` or `user_id = ?`.
So with 100,000 cases, "my cases" walked all 100,000 cases of the organisation to find a
caseworker's forty, the deadline board walked every deadline of the organisation (0.1 to 0.3 s
a page, growing with the tables), and the case page read its notes, documents, appointments
and referrals through the organisation's index instead of the case's. PostgreSQL measures its
tables itself (autovacuum analyses them as they grow); SQLite only when someone runs ANALYZE,
which nobody does on an association's laptop.

SQLite's documented remedy when ANALYZE cannot be counted on is to install statistics that
describe the data the application will hold (https://www.sqlite.org/optoverview.html, "Manual
Control Of Query Plans Using SQLITE_STAT Tables"). The figures below describe 100,000 cases of
one organisation followed by 50 caseworkers (as bench/casework.py, whose ANALYZE they follow).
What matters is their shape, which does not change as the data grows: the organisation's value
is shared by every row, a case's by a few, a member's by a fiftieth.

Tables that already have statistics (someone ran ANALYZE) are left as they are, and a later
ANALYZE replaces these with measured ones. An index on a column not described keeps SQLite's
guess.
"""

from django.db import migrations

CASES = 100_000
MEMBERS = 50
# Rows of each table, and how many of its rows share one value of a column (beyond the columns
# every table has: see `_per_value`).
TABLES: dict[str, tuple[int, dict[str, int]]] = {
    "cases_case": (
        CASES,
        {"person_id": 1, "next_binding_due": 30, "registered_on": 90, "external_reference": 1},
    ),
    "cases_caseassignment": (CASES, {}),
    "cases_casestep": (2 * CASES, {"occurred_on": 150, "sequence": CASES, "replaced_by_id": 1,
                                   "superseded_by_id": 1}),  # fmt: skip
    "cases_deadline": (CASES // 3, {"due_on": 30, "opened_by_id": 1}),
    "cases_casenote": (2 * CASES, {}),
    "cases_casedocument": (CASES, {"stored_file": 1}),
    "cases_chosenresidence": (CASES, {}),
    "cases_appointment": (CASES, {"starts_at": 3}),
    "cases_referral": (CASES // 2, {}),
}
MEMBER_COLUMNS = ("user_id", "opened_by_id", "assigned_by_id", "recorded_by_id", "author_id",
                  "uploaded_by_id", "attendee_id", "created_by_id", "made_by_id")  # fmt: skip


def _per_value(table: str) -> dict[str, int]:
    rows, own = TABLES[table]
    shared = {"id": 1, "organisation_id": rows, "case_id": max(1, rows // CASES)}
    shared.update(dict.fromkeys(MEMBER_COLUMNS, max(1, rows // MEMBERS)))
    return {**shared, **own}


def _indexes(cursor, quote, table: str) -> list[tuple[str, bool, list[str]]]:
    """(name, unique, columns) of every index of the table, as SQLite lists them."""
    cursor.execute(f"PRAGMA index_list({quote(table)})")
    found = []
    for _seq, name, unique, *_rest in cursor.fetchall():
        cursor.execute(f"PRAGMA index_info({quote(name)})")
        found.append((name, bool(unique), [row[2] for row in cursor.fetchall()]))
    return found


def statistic(rows: int, per_value: dict[str, int], columns: list[str], unique: bool) -> str | None:
    """The `sqlite_stat1` text of one index ("rows, then rows per value of each prefix"), or
    None when a column is not described (that index keeps SQLite's guess)."""
    if not all(c in per_value for c in columns):
        return None
    figures, narrowest = [rows], rows
    for column in columns:
        narrowest = max(1, min(narrowest, per_value[column]))
        figures.append(narrowest)
    if unique:
        figures[-1] = 1
    return " ".join(str(f) for f in figures)


def install_statistics(apps, schema_editor):
    """Write the statistics of each described table that has none yet (SQLite only)."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sqlite_master")  # creates sqlite_stat1 (nothing to measure)
        for table, (rows, _own) in TABLES.items():
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
            if cursor.fetchone() is not None:
                continue  # measured by ANALYZE: better than any estimate
            for name, unique, columns in _indexes(cursor, quote, table):
                stat = statistic(rows, _per_value(table), columns, unique)
                if stat is not None:
                    cursor.execute(
                        "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                        [table, name, stat],
                    )
        cursor.execute("ANALYZE sqlite_master")  # makes this connection read them


def remove_statistics(apps, schema_editor):
    """Forget the statistics of the described tables (SQLite then guesses again)."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return
        for table in TABLES:
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_casework")]

    operations = [migrations.RunPython(install_statistics, remove_statistics, elidable=False)]
