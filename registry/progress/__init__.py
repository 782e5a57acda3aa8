"""Progress reporting: signatories report on their commitments; coordinators verify and remind."""
