"""Time-driven work (daily digests, feed polling). Imports the core, never a chat platform."""
