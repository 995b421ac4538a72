"""Benchmark tooling for linkgate: deterministic corpora of shared-link URL strings."""
