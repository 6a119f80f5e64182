"""Multiple systems estimation: how many people did no list document?

Pure functions on capture-history tables (no database): log-linear models with profile-
likelihood intervals (`loglinear`), a Bayesian latent-class model (`lcmcr`), Bayesian model
averaging over decomposable graphs (`dga`), and `estimate_all`
that runs them together, optionally over clusterings drawn from the linkage's probabilities
(`linkage_uncertainty`). See docs/estimation.md.
"""

from .captures import CaptureFileError, CaptureTable, parse_capture_csv, read_capture_file
from .estimate import Estimate, EstimationReport, Skipped, estimate_all
from .linkage_uncertainty import ClericalCheck, LinkageUncertainty, membership_rows

__all__ = [
    "CaptureFileError",
    "ClericalCheck",
    "CaptureTable",
    "Estimate",
    "EstimationReport",
    "LinkageUncertainty",
    "Skipped",
    "estimate_all",
    "membership_rows",
    "parse_capture_csv",
    "read_capture_file",
]
