"""Models of the people app (built by its issue)."""
