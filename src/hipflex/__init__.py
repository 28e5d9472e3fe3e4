"""hipflex: a coach for the half-kneeling hip flexor stretch."""

__version__ = "0.1.0"
