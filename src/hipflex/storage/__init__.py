"""The history database: the only package that imports SQLAlchemy and Alembic.

Everything else reads the plain records of :mod:`hipflex.domain.records`.
"""
