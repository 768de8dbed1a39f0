"""The models and queries of the resources added by ``apigen add resource``, a module each.

``apigen add`` writes this module, which imports every added model: Alembic finds them all.
"""
