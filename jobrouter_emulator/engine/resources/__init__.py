"""The resource declarations, one module each; :data:`RESOURCES` maps each REST collection to its declaration."""

from __future__ import annotations

from typing import Dict

from .base import Lifecycles, ListFilter, Reference, ResourceKind
from .classification_policies import CLASSIFICATION_POLICIES
from .distribution_policies import DISTRIBUTION_POLICIES
from .exception_policies import EXCEPTION_POLICIES
from .jobs import JOBS
from .queues import QUEUES
from .workers import WORKERS

RESOURCES: Dict[str, ResourceKind] = {
    kind.collection: kind
    for kind in (DISTRIBUTION_POLICIES, QUEUES, CLASSIFICATION_POLICIES, EXCEPTION_POLICIES, WORKERS, JOBS)
}

__all__ = ["Lifecycles", "ListFilter", "RESOURCES", "Reference", "ResourceKind"]
