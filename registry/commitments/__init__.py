"""Commitments: the coordinators' tracker of every commitment, saved filters and bulk actions."""
