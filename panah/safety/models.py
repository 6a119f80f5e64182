"""Models of the safety app (built by its issue)."""
