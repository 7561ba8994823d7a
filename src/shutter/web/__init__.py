"""The web client, served by `shutter serve` at /."""
