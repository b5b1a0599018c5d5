"""The REST API described for tools: an OpenAPI 3.1 document generated from the live schema, and
a local API explorer page (Swagger UI, vendored from npm at build time).

- `types.py` — Parse's field encodings as JSON Schemas;
- `document.py` — the caller's view of the schema (through the security policy) and the document;
- `routes.py` — `GET <mount>/openapi.json`, cached per schema version;
- `explorer.py` — the explorer page and its bundle, beside the GraphQL playground.
"""
