"""The admin audit trail: who did what to whom, with before and after."""
