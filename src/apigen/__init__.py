"""apigen: generate production-ready REST API services and keep them up to date."""

__version__ = "0.1.0"
