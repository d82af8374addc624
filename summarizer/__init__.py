"""briefbot's platform-neutral core: text in; digests, answers and search hits out."""
