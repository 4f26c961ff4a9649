"""Event delivery: Router events pushed to webhook subscribers as Event Grid would."""

from .webhook import WebhookDelivery

__all__ = ["WebhookDelivery"]
