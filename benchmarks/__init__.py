"""Runnable benchmarks of regionmap (see benchmarks/README.md)."""
