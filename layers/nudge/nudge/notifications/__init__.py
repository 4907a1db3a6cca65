"""Notifications: who to reach (segments) and what to say (templates), managed by admins."""
