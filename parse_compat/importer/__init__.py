"""`parse-compat import`: load an app exported from Back4app or a Parse Server into any store.

Sources (`sources.py`): Parse Dashboard's per-class JSON export, a `mongodump` directory of a
Parse database (read with PyMongo's `bson`, no MongoDB server) and the answer of `GET /schemas`.
Rows become storage documents (`conversion.py`), files are fetched from the old server and stored
through the files service (`files.py`), and everything is written through the store step
(`rest/write/store.py`) and the schema registry (`load.py`). `report.py` counts per class;
`cli.py` is the command line.
"""
