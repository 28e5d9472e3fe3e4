"""Routes: pages (HTML), the small JSON API, and the live session WebSocket."""
