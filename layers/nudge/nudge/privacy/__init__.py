"""Personal data across every capability: the registry of tables, a user's export and erasure."""
