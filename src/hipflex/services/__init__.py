"""Use cases that join the pure core to storage; shared by the terminal and the web app."""
