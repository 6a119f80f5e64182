"""Every command that takes --organisation SLUG refuses an unknown one with the same sentence
(panah.core.commands.organisation_by_slug), before it reads a file or touches a record."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

COMMANDS = [
    ("audit", "verify"),
    ("keys", "rotate"),
    ("cases", "remind"),
    ("cases", "import", "{file}", "--by", "someone@example.org"),
    ("advocacy", "remind"),
    ("shelter", "remind"),
    ("retention", "apply", "--dry-run"),
    ("evidence", "import", "{file}", "--source", "Anything"),
    ("evidence", "export", "victims", "--output", "{file}.out"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_unknown_organisation_is_refused_in_one_sentence(command, tmp_path):
    file = tmp_path / "rows.csv"
    file.write_text("a,b\n1,2\n")
    args = [str(a).format(file=file) for a in command]
    with pytest.raises(CommandError, match=r"^No organisation has the slug 'nope'\.$"):
        call_command(*args, "--organisation", "nope")


IMPORTS = [
    ("cases", "import", "{file}"),
    ("evidence", "import", "{file}", "--source", "Anything"),
]


@pytest.mark.parametrize("command", IMPORTS, ids=lambda c: " ".join(c[:2]))
def test_an_importer_who_is_not_a_member_is_refused_in_one_sentence(
    command, tmp_path, org_a, org_b, admin_b
):
    file = tmp_path / "rows.csv"
    file.write_text("a,b\n1,2\n")
    args = [str(a).format(file=file) for a in command]
    # A member of another organisation is not a member of this one.
    with pytest.raises(CommandError, match=rf"^{admin_b.email} is not a member of org-a\.$"):
        call_command(*args, "--organisation", "org-a", "--by", admin_b.email)
