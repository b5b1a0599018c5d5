"""Live Query: Parse's real-time subscriptions over a websocket on the REST server's port.

Modules, from the wire inwards:

- ``endpoint``   the aiohttp websocket handler (the only module here that imports aiohttp);
- ``protocol``   validation of client messages (Parse's error codes 1-4) and server messages;
- ``client``     one connection: identity, subscriptions, bounded outbound queue; the shared
                 ``Outbox`` writer, and a writer task of its own for a congested socket;
- ``operations`` connect / subscribe / update / unsubscribe;
- ``hub``        subscriptions grouped by (className, where) hash;
- ``fanout``     one change → the events each subscriber may receive;
- ``events``     the pure event decision (create / enter / update / leave / delete, watch, keys);
- ``access``     ACL with roles, CLP find/get with pointer permissions, protected fields;
- ``sessions``   session tokens: resolution and periodic / event-driven re-validation;
- ``hooks``      optional cloud-code hooks (before_connect, before_subscribe, after_event);
- ``bus``        in-process queue, or Redis pub/sub when several processes serve one app;
- ``config``     the ``liveQuery`` option;
- ``gc_policy``  keeps full garbage collections short while thousands of sockets are open;
- ``service``    wires all of the above onto one app state.
"""
