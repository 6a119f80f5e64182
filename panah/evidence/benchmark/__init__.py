"""An independent benchmark for the linkage: generated archives whose spellings come from rules
the linker never reads (see sets.py and spellings.py)."""
