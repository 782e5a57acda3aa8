"""Pledges: the public pledge pages, their submission windows and invitations into a closed form."""
