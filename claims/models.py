"""Chronic/special certifications, the settlement calculator, settlements.

Models arrive with the issue that builds this app."""
