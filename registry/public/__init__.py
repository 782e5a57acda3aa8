"""Public pages that belong to no pledge: the home page and the health check."""
