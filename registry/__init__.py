"""The Pledge & Partnership Registry application package."""
