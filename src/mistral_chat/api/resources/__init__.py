"""API resources: one module per family of endpoints, each with a sync and an async class."""
