"""Event delivery: Router events pushed to webhook and Storage queue subscriptions as Event Grid pushes them
(handshakes, schemas, filters, batches, retries, dead-letter), from a cursor kept per subscription."""

from .manager import MAX_SUBSCRIPTIONS, EventDelivery, TooManySubscriptions
from .subscription import EventSubscription, SubscriptionError
from .subscription_store import MemorySubscriptionStore, SQLiteSubscriptionStore, SubscriptionRecord, SubscriptionStore

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "EventDelivery",
    "EventSubscription",
    "MemorySubscriptionStore",
    "SQLiteSubscriptionStore",
    "SubscriptionError",
    "SubscriptionRecord",
    "SubscriptionStore",
    "TooManySubscriptions",
]
