"""Delivery of segmently.js: the snippet with the project's compiled config inlined."""
