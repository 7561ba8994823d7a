"""Your data: import an Instagram archive, export everything as a zip (docs/data.md)."""
