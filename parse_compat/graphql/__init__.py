"""The GraphQL API Parse Server generates from an app's classes (`mountGraphQL`, `graphQLPath`):
same type, field, argument, input and enum names, Relay connections and global ids.

- `names.py` — GraphQL names of classes and queries, global ids, cursors;
- `base_types.py` — the shared scalars, ACL, geo, `…WhereInput` types;
- `classes.py` — the types generated per class;
- `translate.py` — GraphQL arguments → Parse's REST JSON (`where`, bodies);
- `bridge.py` — resolvers reach the REST operations (router) and the batched pointer loader;
- `resolvers.py`, `accounts.py` — root fields; `pagination.py`, `selection.py` — helpers;
- `schema.py` — assembly and the per-app cache, rebuilt when classes or functions change;
- `guards.py`, `executor.py` — introspection, complexity, execution, error shape;
- `playground.py` — the locally served GraphiQL page (`mountPlayground`).

No resolver decides a permission: every read and write is the REST operation it stands for.
"""
