"""The report for a physiotherapist, drawn from :class:`hipflex.insights.summary.Insights`.

Kept out of :mod:`hipflex.insights` (which is pure computation): this package draws with
matplotlib and writes files. ``charts`` draws each chart, ``pdf`` and ``html`` lay out the two
formats, ``write`` chooses by the file's suffix and writes.
"""
