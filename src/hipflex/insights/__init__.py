"""What the history says: streaks, adherence, dose, pain (pure; no I/O)."""
