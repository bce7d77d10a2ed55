"""The UGC library: intake, media, moderation, rights, tagging, search, curation."""
