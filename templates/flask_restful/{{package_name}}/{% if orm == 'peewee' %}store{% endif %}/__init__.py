"""Data access: the models, the database connection and every query the service runs.

The rest of the service goes through this package only, so that it reads the same
whichever ORM is underneath (Peewee, with peewee-migrate for the migrations).
"""
