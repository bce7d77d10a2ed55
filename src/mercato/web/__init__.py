"""FastAPI app: dashboard pages, the REST API (/api/v1) and the public surface."""
