"""Reports: the PDF reports (GRF progress, signatory, engagement) rendered by WeasyPrint as jobs,
cached by data fingerprint, and the coordinators' pages that ask for them and follow their runs."""
