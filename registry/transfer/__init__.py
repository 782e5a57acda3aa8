"""Moving data in and out: CSV/XLSX exports of every list and imports with a dry run."""
