"""Sensitive attributes: what a user chooses to tell about themselves, stored only with their consent,
encrypted, and read by no one but them."""
