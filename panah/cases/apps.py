from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "panah.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from panah.people.retention import register_activity  # noqa: PLC0415 (the app registry is not ready before ready())
        from panah.people.subject_access import register_section  # noqa: PLC0415 (the app registry is not ready before ready())

        from . import panels, rules, tasks  # noqa: PLC0415, F401 (registers permissions, dashboard panels and tasks)
        from .queries import recent_case_activity  # noqa: PLC0415 (the app registry is not ready before ready())
        from .subject_access import case_records  # noqa: PLC0415 (the app registry is not ready before ready())

        register_section("cases", case_records)
        register_activity("cases", recent_case_activity)
        tasks.register()

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
