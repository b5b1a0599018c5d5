"""`parse-compat migrate --from <uri> --to <uri>`: copy a whole app from one store to another
(SQLite, PostgreSQL, MongoDB), then prove the copy.

`stores.py` opens both ends (database and file store), `digest.py` is the canonical encoding of
rows and relation rows and the per-class count + checksum, `copy.py` writes the target through
the store step (`rest/write/store.py`), `verify.py` compares both ends class by class, `cli.py`
is the command line.
"""
