"""What every capability shares about a user. Capabilities depend on this package; it depends on none of them."""
