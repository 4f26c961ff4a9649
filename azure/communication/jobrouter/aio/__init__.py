"""Async clients of Azure Communication Services Job Router."""

from ._client import JobRouterAdministrationClient, JobRouterClient

__all__ = ["JobRouterAdministrationClient", "JobRouterClient"]
