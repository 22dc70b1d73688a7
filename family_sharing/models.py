"""Family sharing of personal accounts (家庭共济).

Models arrive with the issue that builds this app."""
