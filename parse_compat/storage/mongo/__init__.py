"""MongoDB storage in Parse Server's own document layout (reference §10).

``MongoAdapter`` is the entry point; the modules split the work: ``connection`` (URI,
client, capabilities), ``keys`` (field-name mapping), ``values`` (value codecs),
``transform`` (documents), ``query`` (where → filter), ``update`` (ops → update operators),
``schema_store`` (``_SCHEMA``), ``relations`` (``_Join:`` rows), ``uniqueness`` (unique
indexes and duplicate-key errors).
"""

from parse_compat.storage.mongo.adapter import MongoAdapter

__all__ = ["MongoAdapter"]
