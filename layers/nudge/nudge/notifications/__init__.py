"""Notifications: who to reach (segments), what to say (templates), and the messages Nudge sends people
(email through SES v2, from the stack's verified sender identity)."""
