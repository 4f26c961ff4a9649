"""The live dashboard at ``/_emulator/``: queues, workers, jobs and the event stream of a running emulator, in a
browser, behind a notebook-style login (``auth.py``). Plain HTML, CSS and JavaScript in ``static/``, no build step and
nothing fetched from elsewhere."""

from .auth import DashboardAuth
from .routes import dashboard_routes

__all__ = ["DashboardAuth", "dashboard_routes"]
