"""Benchmarks that print ratios measured in one run (figures in bench/RESULTS.md)."""
