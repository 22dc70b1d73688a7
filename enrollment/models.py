"""Employers, insured persons, designated institutions, inpatient stays.

Models arrive with the issue that builds this app."""
