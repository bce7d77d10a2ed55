"""Platform API connectors and export-file importers."""
