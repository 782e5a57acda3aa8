"""The coordinators' dashboard: the registry's figures, each beside its chart and its list."""
