"""The collection loop: cycles, supervision, per-unit state, the cycle view."""
