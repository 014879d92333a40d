"""No dependencies of its own: ratings are public and rate-limited per IP where the router is mounted."""
