"""Reminders: the daily stretch, sitting breaks, desktop notifications, calendar export.

``schedule`` is pure (time comes in as arguments); ``runner`` loops around it; ``notify``,
``autostart`` and ``calendar`` are the adapters to the desktop, the login manager and
iCalendar.
"""
