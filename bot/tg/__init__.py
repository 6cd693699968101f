"""Telegram front end: application builder, handlers, durable updates and the outbox."""
