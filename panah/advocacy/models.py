"""Models of the advocacy app (built by its issue)."""
