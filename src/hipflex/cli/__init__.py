"""The terminal edge: parse options, call the core, render with Rich."""
