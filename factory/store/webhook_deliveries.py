"""Webhook deliveries received: a delivery is taken once, ever (`factory.queue.webhooks`)."""

from __future__ import annotations

from sqlalchemy import or_, select

from factory.store.models import WebhookDelivery, utcnow
from factory.store.retrying import retry_on_conflict
from factory.store.sessions import SessionScopes

FAILED_PREFIX = "failed"
"""An outcome that lets the same delivery be tried again (GitHub's "Redeliver")."""


class WebhookDeliveryRepository:
    """`store.webhook_deliveries`: every delivery by its id and the digest of its body."""

    def __init__(self, scopes: SessionScopes) -> None:
        self._scopes = scopes

    def take(self, delivery_id: str, body_sha256: str, event: str) -> WebhookDelivery | None:
        """Record a delivery as received; None when it is new (or its earlier attempt failed),
        else the delivery received before under this id or with this very body."""

        def take() -> WebhookDelivery | None:
            with self._scopes.write() as session:
                seen = session.scalar(
                    select(WebhookDelivery).where(
                        or_(
                            WebhookDelivery.delivery_id == delivery_id,
                            WebhookDelivery.body_sha256 == body_sha256,
                        )
                    )
                )
                if seen is None:
                    session.add(
                        WebhookDelivery(
                            delivery_id=delivery_id,
                            body_sha256=body_sha256,
                            event=event,
                            received_at=utcnow(),
                            outcome="received",
                        )
                    )
                    return None
                if seen.outcome.startswith(FAILED_PREFIX) and seen.delivery_id == delivery_id:
                    seen.outcome, seen.received_at = "received", utcnow()
                    return None
                return seen

        return retry_on_conflict(take)

    def settle(self, delivery_id: str, outcome: str) -> None:
        """What came of a delivery taken with `take`."""
        with self._scopes.write() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is not None:
                delivery.outcome = outcome[:500]
