"""Connecting social accounts and the shop through each platform's OAuth flow."""
