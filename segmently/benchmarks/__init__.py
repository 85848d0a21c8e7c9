"""Benchmark bodies behind ``segmently bench …``."""
