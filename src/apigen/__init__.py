"""apigen."""
