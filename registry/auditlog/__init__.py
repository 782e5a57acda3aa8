"""The audit log: every change to the registry's records, filtered and paginated."""
