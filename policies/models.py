"""Pooling regions and their versioned policy documents.

Models arrive with the issue that builds this app."""
