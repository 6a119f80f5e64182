"""Models of the evidence app (built by its issue)."""
