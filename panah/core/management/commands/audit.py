"""`panah audit verify [--organisation SLUG] [--anchor FILE]`: walk the hash-chained audit trail.

Exits with status 1 and names the first altered, deleted, reordered or moved entry (its id and
sequence) of every chain that does not verify: each organisation's chain of writes, each
member's chain of reads, the system chain. It also fails when an organisation, or a read chain
its organisation's chain says was opened, has no chain at all (deleted with its head).

The chain alone cannot show that its newest entries were cut off together with its head; an
anchor file can. `--anchor FILE` remembers each chain's head after a clean run, and the next
run checks that every remembered entry is still there, unchanged. Keep that file off the
server (docs/security.md).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from panah.core import audit
from panah.core.commands import organisation_by_slug
from panah.core.models import AuditEntry, AuditHead


class Command(BaseCommand):
    help = "Verify the tamper-evident audit trail."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="verify")
        verify = sub.add_parser(
            "verify", help="Walk every chain and report the first entry that does not verify."
        )
        verify.add_argument(
            "--organisation", metavar="SLUG", help="Only this organisation's chain."
        )
        verify.add_argument(
            "--anchor",
            metavar="FILE",
            help="Check the chain heads remembered in FILE, then remember the current ones.",
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            self.verify(options.get("organisation"), options.get("anchor"))

    def verify(self, slug: str | None, anchor_path: str | None) -> None:
        if slug:
            organisation = organisation_by_slug(slug)
            organisations = [organisation]
            prefix = audit.chain_name(organisation)
            chains = [
                c for c in audit.all_chains() if c == prefix or c.startswith(prefix + "/")
            ] or [prefix]
        else:
            organisations = None
            chains = audit.all_chains()
        anchor = _read_anchor(anchor_path) if anchor_path else {}

        problems: list[str] = []
        total = 0
        started = time.perf_counter()
        for chain in chains:
            length = _chain_length(chain)
            t0 = time.perf_counter()
            problem = audit.verify_chain(chain, progress=self._progress(chain, length, t0))
            if problem is None and chain in anchor:
                problem = _check_anchor(chain, *anchor[chain])
            elapsed = time.perf_counter() - t0
            total += length
            if problem is None:
                self.stdout.write(
                    f"{chain}: {length} entries verified in {elapsed:.1f} s", self.style.SUCCESS
                )
            else:
                problems.append(str(problem))
                self.stderr.write(f"{problem}", self.style.ERROR)
        for problem in audit.missing_chains(organisations):
            problems.append(str(problem))
            self.stderr.write(problems[-1], self.style.ERROR)
        if anchor_path:
            missing = sorted(set(anchor) - set(chains)) if not slug else []
            for chain in missing:
                problems.append(f"chain {chain}: remembered in the anchor file but gone")
                self.stderr.write(problems[-1], self.style.ERROR)
        seconds = time.perf_counter() - started
        if problems:
            raise CommandError(
                f"The audit trail does not verify: {len(problems)} of {len(chains)} chain(s)"
                " have a problem (see above)."
            )
        if anchor_path:
            _write_anchor(anchor_path, {**anchor, **_heads(chains)})
            self.stdout.write(f"Chain heads remembered in {anchor_path}.")
        self.stdout.write(
            f"All {len(chains)} chain(s) intact: {total} entries in {seconds:.1f} s.",
            self.style.SUCCESS,
        )

    def _progress(self, chain: str, length: int, t0: float):
        def report(done: int) -> None:
            rate = done / max(time.perf_counter() - t0, 1e-9)
            percent = 100 * done / length if length else 100
            self.stderr.write(f"  {chain}: {done}/{length} ({percent:.0f}%), {rate:,.0f} entries/s")

        return report


def _chain_length(chain: str) -> int:
    with scopes_disabled():
        head = AuditHead.objects.filter(chain=chain).first()
        return head.sequence if head else AuditEntry.objects.filter(chain=chain).count()


def _heads(chains: list[str]) -> dict[str, list]:
    with scopes_disabled():
        return {
            h.chain: [h.sequence, h.last_hash]
            for h in AuditHead.objects.filter(chain__in=chains)
            if h.sequence
        }


def _read_anchor(path: str) -> dict[str, list]:
    file = Path(path)
    if not file.exists():
        return {}
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"The anchor file {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and len(v) == 2 for v in data.values()
    ):
        raise CommandError(f"The anchor file {path} is not one this command wrote.")
    return data


def _write_anchor(path: str, heads: dict[str, list]) -> None:
    Path(path).write_text(json.dumps(heads, indent=2, sort_keys=True) + "\n")


def _check_anchor(chain: str, sequence: int, entry_hash: str) -> audit.ChainProblem | None:
    """The remembered head must still be in the chain, with the same hash."""
    with scopes_disabled():
        entry = (
            AuditEntry.objects.filter(chain=chain, sequence=sequence)
            .values_list("id", "entry_hash")
            .first()
        )
    if entry is None:
        return audit.ChainProblem(
            chain,
            None,
            sequence,
            "the entry remembered in the anchor file is gone: the chain was cut back",
        )
    if entry[1] != entry_hash:
        return audit.ChainProblem(
            chain, entry[0], sequence, "differs from the anchor file: the chain was rewritten"
        )
    return None
