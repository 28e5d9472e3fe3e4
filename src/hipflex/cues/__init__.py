"""Spoken and audible cues: the speech back ends (espeak-ng, terminal bell, silence)."""
