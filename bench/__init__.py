"""Benchmark harness: synthetic panels, the naive baseline and `python -m bench.run`.

Speed is measured here, in scripts that print figures and ratios, never in timed tests.
See bench/README.md.
"""
