"""Personal medical accounts (个人账户): ledger, crediting, year-end close.

Models arrive with the issue that builds this app."""
