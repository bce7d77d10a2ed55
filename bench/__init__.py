"""Benchmarks: each module `bench/<name>.py` exposes `main() -> None` and prints ratios."""
