"""A local Azure Communication Services Job Router (api-version 2023-11-01)."""
