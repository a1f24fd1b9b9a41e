"""Performance measurements for csm-tui (DESIGN.md section 8). Run: `make bench`.

Kept empty on purpose: `python -m benchmarks.peak_rss` imports this package before the
program it measures, so anything imported here would be charged to both programs.
"""
