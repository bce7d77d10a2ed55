"""Export-file importers: one module per file format marketers download from a platform."""
