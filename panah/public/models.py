"""Models of the public app (built by its issue)."""
