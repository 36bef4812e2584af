"""Benchmarks: `python -m bench.run` (what `make bench` runs). See bench/README.md."""
