"""`shutter bench`: seeds a synthetic graph, starts real server processes, drives them over
HTTP at fixed arrival rates, and writes JSON, a PNG chart and a table."""
