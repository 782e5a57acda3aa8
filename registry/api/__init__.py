"""The public JSON API v1 (DESIGN §7) and the open data downloads: read-only, through the
public view, described by an OpenAPI 3.1 document generated from the code (flask-smorest)."""
