"""Engagement records: the agency's own partnerships and protection advocacy targets (staff
only)."""
