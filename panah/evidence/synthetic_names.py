"""Weights and charges for the synthetic generator (written for Panah, not taken from any dataset).

The name forms, provinces, cities and ethnic groups themselves are reference tables in
panah.evidence.reference, shared with the linker; what is here only drives the generator.
"""

from panah.evidence.reference import (  # noqa: F401  (the generator reads them as lists.*)
    CITIES,
    ETHNICITIES,
    GIVEN_NAMES,
    PROVINCES,
    SURNAMES,
)

# Where each group's victims are executed (province code: weight).
PROVINCE_WEIGHTS = {
    "baluch": {"sb": 85, "ke": 5, "kr": 3, "ho": 4, "ya": 3},
    "kurd": {"ku": 30, "ks": 25, "wa": 35, "il": 5, "al": 5},
    "arab": {"kz": 95, "te": 5},
    "turk": {"ea": 40, "wa": 15, "ar": 20, "za": 10, "te": 10, "al": 5},
    "lor": {"lo": 60, "is": 10, "kz": 10, "al": 10, "kb": 5, "cb": 5},
    "afghan": {"kr": 30, "te": 20, "al": 20, "is": 15, "ke": 10, "ya": 5},
    "persian": {
        "al": 22, "te": 8, "is": 12, "fa": 10, "kr": 10, "ke": 6, "ya": 5, "qo": 4, "ma": 5,
        "ha": 3, "qa": 3, "se": 2, "go": 2, "mz": 3, "gi": 3, "ho": 2, "bu": 2, "ks2": 2,
        "kn": 1, "za": 1,
    },
}  # fmt: skip


CHARGES = {
    # code: (share, English texts, Persian texts)
    "drug": (0.55, ("drug trafficking", "drug-related offences", "possession of narcotics"),
             ("مواد مخدر", "حمل مواد مخدر", "جرایم مرتبط با مواد مخدر")),
    "murder": (0.32, ("murder", "murder (qisas)", "intentional homicide"),
               ("قتل عمد", "قصاص", "قتل")),
    "moharebeh": (0.06, ("moharebeh", "enmity against God", "baghi (armed rebellion)", "espionage"),
                  ("محاربه", "بغی", "جاسوسی", "افساد فی الارض")),
    "rape": (0.04, ("rape", "sexual assault"), ("تجاوز به عنف", "تجاوز")),
    "other": (0.03, ("armed robbery", "corruption on earth", "adultery"),
              ("سرقت مسلحانه", "افساد فی الارض", "زنای محصنه")),
}  # fmt: skip
