"""Following: users follow commitments, organisations and pledges and get a daily digest
e-mail of what changed there (status changes, verified progress, accepted amendments, new
commitments), each built through the public view for its reader."""
