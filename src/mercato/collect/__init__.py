"""Site event intake: payload schema, validation, enrichment, WAL, loader, sessions."""
