"""The documented taxonomy of transnational repression, as data (docs/safety.md explains each).

Categories follow the forms of transnational repression described by Freedom House and
Amnesty International for Iran: direct attacks, co-optation of relatives, mobility controls,
digital threats and misuse of international cooperation. A category marked serious alerts the
person's caseworker and the organisation's safety officers at once (never with the narrative).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    PHYSICAL_ATTACK = "physical_attack", _("Physical attack or plot")
    KIDNAPPING = "kidnapping", _("Kidnapping attempt")
    SURVEILLANCE = "surveillance", _("Surveillance and following")
    THREAT_IN_PERSON = "threat_in_person", _("Threat in person")
    THREAT_ONLINE = "threat_online", _("Threat online")
    HACKING = "hacking", _("Hacking and phishing")
    SPYWARE = "spyware", _("Spyware")
    COERCION_RELATIVES = "coercion_relatives", _("Coercion through relatives in Iran")
    PRESSURE_TO_INFORM = "pressure_to_inform", _("Pressure to inform on the community")
    CONSULAR_PRESSURE = "consular_pressure", _("Consular or document pressure")
    DEFAMATION = "defamation", _("Defamation")
    INTERPOL_MISUSE = "interpol_misuse", _("Misuse of Interpol or extradition")

    @classmethod
    def serious(cls) -> frozenset[str]:
        """Categories that alert at once: a life, liberty or family in immediate danger."""
        return frozenset(
            {
                cls.PHYSICAL_ATTACK,
                cls.KIDNAPPING,
                cls.SURVEILLANCE,
                cls.THREAT_IN_PERSON,
                cls.COERCION_RELATIVES,
                cls.INTERPOL_MISUSE,
            }
        )


class PerpetratorIndicator(models.TextChoices):
    SELF_IDENTIFIED = "self_identified", _("Said they act for the Iranian state")
    EMBASSY_LINK = "embassy_link", _("Linked to an embassy or consulate")
    IRGC_OR_MOIS = "irgc_or_mois", _("Signs of the IRGC or the Ministry of Intelligence")
    CRIMINAL_PROXY = "criminal_proxy", _("Criminal group acting as a proxy")
    KNOWN_ACCOUNT = "known_account", _("Account or number seen in earlier incidents")
    KNEW_PRIVATE_FACTS = "knew_private_facts", _("Knew facts only the authorities hold")
    SUMMONS_OF_RELATIVES = "summons_of_relatives", _("Relatives summoned by the authorities")
    UNKNOWN = "unknown", _("Unknown")


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed (documents or several independent sources)")
    LIKELY = "likely", _("Likely (one credible source)")
    POSSIBLE = "possible", _("Possible (not yet checked)")
    DOUBTFUL = "doubtful", _("Doubtful")


class ReporterKind(models.TextChoices):
    THE_PERSON = "the_person", _("The person themselves")
    RELATIVE = "relative", _("A relative")
    WITNESS = "witness", _("A witness")
    MEMBER = "member", _("A member of the organisation")
    OTHER = "other", _("Another source")


# Where incidents happen, for the aggregates by country: Belgium and its neighbours, the
# countries Iranians transit, and Iran itself (where relatives are pressured).
Country = [
    ("BE", _("Belgium")),
    ("NL", _("Netherlands")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("LU", _("Luxembourg")),
    ("GB", _("United Kingdom")),
    ("SE", _("Sweden")),
    ("TR", _("Türkiye")),
    ("IQ", _("Iraq")),
    ("AE", _("United Arab Emirates")),
    ("IR", _("Iran")),
    ("ON", _("Online (no country)")),
    ("ZZ", _("Another country")),
]
