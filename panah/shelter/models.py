"""Models of the shelter app (built by its issue)."""
