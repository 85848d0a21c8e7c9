"""Results: per-variant sufficient statistics from the daily aggregates → ``core.stats``."""
