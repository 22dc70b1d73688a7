"""Managers' read models, charts and exports.

Models arrive with the issue that builds this app."""
