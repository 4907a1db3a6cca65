"""What every capability shares about a user: who acts. Capabilities depend on this package; it
depends on none of them."""
