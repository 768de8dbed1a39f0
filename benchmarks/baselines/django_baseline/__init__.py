"""Bare Django and plain DRF, on one model: the baselines of the DRF service."""
