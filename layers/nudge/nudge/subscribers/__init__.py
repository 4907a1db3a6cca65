"""Subscriber control: the suppression list, one-click unsubscribe links, the signed click redirect."""
