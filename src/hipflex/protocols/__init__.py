"""Shipped protocol files (TOML) and their loader."""
