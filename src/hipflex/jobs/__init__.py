"""Background jobs of the clinic server: the queue port (``queue.py``), its Procrastinate
adapter (``procrastinate_queue.py``, the only module that imports procrastinate), the worker
processes (``workers.py``) and the video analysis adapter (``analyzer.py``)."""
