"""Domain-free helpers: secret tokens and their hashes, SSRF guard, clock."""
