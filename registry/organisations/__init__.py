"""Organisations: a stakeholder's own page, the staff directory and profile, merging duplicates."""
