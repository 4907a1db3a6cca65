"""Personalized defaults: which archetype a user is, how urgent their date change is, and which
transaction option (buyout, crash, swap) to offer first, at what price. Pure functions, no I/O."""
