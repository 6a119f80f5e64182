"""Who may do what with the evidence: researchers work on it, coordinators may read it."""

from panah.core.models import Role
from panah.core.rules import add_permissions, has_role

add_permissions(
    {
        "evidence.view_evidence": has_role(Role.RESEARCHER, Role.COORDINATOR),
        "evidence.import_reports": has_role(Role.RESEARCHER),
        "evidence.manage_sources": has_role(Role.RESEARCHER),
        # Downloading the statistics (CSV, XLSX, PDF) also needs a recent re-authentication
        # (panah.core.reauth): the file leaves the organisation, unlike the page.
        "evidence.export_statistics": has_role(Role.RESEARCHER, Role.COORDINATOR),
    }
)

# Linking reports into victims and deciding uncertain pairs (issue 5: linkage and review).
add_permissions({"evidence.review_linkage": has_role(Role.RESEARCHER)})
