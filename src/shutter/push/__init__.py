"""Web Push: browsers' push subscriptions, VAPID keys, encrypted delivery (RFC 8030/8291/8292)."""
