"""Signatures: the pledge form (a stakeholder signs and adds commitments) and its review by
coordinators."""
