"""Benchmarks are run by `run.py`, never collected by pytest."""

collect_ignore_glob = ["*.py"]
