"""Operational rows: workspaces, users, tokens, products, social accounts, ... (SQLAlchemy 2)."""
