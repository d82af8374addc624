"""Benchmarks and quality evaluations against ../shared/data, each with its baseline in the same run."""
