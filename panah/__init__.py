"""Panah (پناه, "refuge"): the system an association runs to protect political refugees."""
