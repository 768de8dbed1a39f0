"""The REST API: the `items` resource, health probes and authentication endpoints."""
