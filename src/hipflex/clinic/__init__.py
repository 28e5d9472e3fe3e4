"""The clinic server: physiotherapists prescribe, patients send their sessions, the clinic
sees adherence, pain and range of motion (``hipflex clinic serve``; see docs/clinic.md)."""
