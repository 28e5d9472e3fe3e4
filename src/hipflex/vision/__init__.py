"""Camera form check: pose types, geometry, form rules, smoothing and the state tracker.

The modules here are pure (numpy only) except the adapters: ``mediapipe_source`` (the one
module that imports mediapipe), ``annotate``, ``video_io`` (OpenCV / ffmpeg) and ``analysis``.
"""
