"""The visual editor's server side: the probe that tells whether a page can be edited in a frame."""
