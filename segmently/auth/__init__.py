"""Users, passwords, sessions (JWT) and the authenticators of every kind of caller."""
