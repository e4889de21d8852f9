"""The audit log API: listing, chain verification, the security view and the security check."""
