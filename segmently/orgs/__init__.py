"""Organizations, memberships and roles."""
