"""`panah evidence_estimate --captures FILE`: multiple systems estimation of the undocumented."""

from django.core.management.base import BaseCommand

from panah.evidence.estimation.cli import add_estimate_arguments, run_estimate


class Command(BaseCommand):
    help = (
        "Estimate how many people no list documented, from a capture-history table "
        "(log-linear models, a Bayesian latent-class model and Bayesian model averaging over "
        "decomposable graphs, each with an interval)."
    )

    def add_arguments(self, parser):
        add_estimate_arguments(parser)

    def handle(self, *args, **options):
        run_estimate(options, self.stdout)
