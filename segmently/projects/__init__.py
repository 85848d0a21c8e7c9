"""Projects (one website each) and their publishable API keys."""
