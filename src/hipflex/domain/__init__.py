"""The pure core: protocols, sessions, events and clocks. No I/O, no edges."""
