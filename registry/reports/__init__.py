"""Reports: charts (shared with the web dashboard), and later the WeasyPrint PDF rendering."""
