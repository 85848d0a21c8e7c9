"""Database engine, session factory and the declarative base."""
