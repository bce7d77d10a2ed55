"""Connectors: social platform APIs, export-file importers, shop orders, ad spend, products.

Everything here turns outside data into warehouse rows (posts, metric snapshots, account
days, orders, ad spend) and catalog rows (products, UGC candidates, sync state).
"""
