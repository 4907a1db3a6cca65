"""Messages Nudge sends people: email through SES v2, from the stack's verified sender identity."""
