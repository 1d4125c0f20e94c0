"""Synthetic benchmark data (`flask seed-bench`): bulk-generated, consistent with the app's invariants."""
