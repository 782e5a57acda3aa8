"""The import framework behind `operations.plan_import` and `operations.apply_import`.

`files` reads CSV/XLSX uploads, `cells` parses their cells, `base` holds what every kind shares
(rows, outcomes, the refusal); one module per import kind plans and writes its rows. The public
names are re-exported by `registry.operations.transfer`.
"""
