"""The import framework behind `transfer.operations.plan_import` and `apply_import`.

`files` reads CSV/XLSX uploads and names their columns, `cells` parses their cells, `base`
holds what every kind shares (rows, outcomes, the refusal); one module per import kind plans
and writes its rows.
"""
