"""`flask registry demo-data`: a realistic demo registry, or benchmark-sized bulk data.

Every organisation, platform and person here is invented (web sites and e-mail addresses use
example.org), so no real organisation is credited with commitments it never made. Both modes are
deterministic (seeded `random.Random`) and idempotent: records are keyed by `external_ref`
("demo-org-0001", "demo-c-000001", "scale-org-000001" …) and whatever exists is skipped.
"""
