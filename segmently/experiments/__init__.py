"""Experiments: model, validation, lifecycle, the compiled project config, management API."""
