"""Cases of the REST differential suite where parse-compat answers differently from Parse Server
9.10 (on the local PostgreSQL), case name → reason. Each must still differ (test_rest_parity.py
fails on an entry that has become equal), and each says why the difference stays."""

from __future__ import annotations

# parse-compat: Parse answers 500 (an unhandled adapter or type error) where parse-compat answers
# the 4xx Parse code the input deserves.
PARSE_500 = "Parse answers 500 where parse-compat answers a 4xx Parse error"
# parse-compat: Parse Server on PostgreSQL needs PostGIS for $nearSphere / $centerSphere; the test
# database has none, so Parse answers 500 (parse-compat computes distances itself).
NO_POSTGIS = "Parse on PostgreSQL without PostGIS answers 500"
# parse-compat: Parse's PostgreSQL adapter differs from Parse on MongoDB here; parse-compat answers
# as Parse on MongoDB (the SDKs' reference behaviour).
PG_ADAPTER = "artefact of Parse's PostgreSQL adapter; parse-compat answers as Parse on MongoDB"
# parse-compat: Parse stores input it should refuse; parse-compat refuses it (secure by default).
REFUSED = "parse-compat refuses invalid input that Parse stores"
# parse-compat: Express's body parser answers malformed JSON with a 400 that has no Parse code;
# parse-compat answers 400 with code 107 (invalid JSON), which the SDKs understand.
BAD_JSON = "malformed JSON: 400 with code 107 instead of Express's code-less 400"

ALLOWED: dict[str, str] = {
    "create unknown op": PARSE_500,  # parse-compat: 108 unsupported operation
    "update increment non number": PARSE_500,  # parse-compat: 107
    "update add non array": PARSE_500,  # parse-compat: 107
    "query nearSphere bad point": PARSE_500,  # parse-compat: 107 invalid GeoPoint
    "query box one corner": PARSE_500,  # parse-compat: 107 a box needs two corners
    "query limit not number": PARSE_500,  # parse-compat: 102 invalid limit
    "query or empty": PARSE_500,  # parse-compat: 102 an empty $or
    "query and empty": PARSE_500,  # parse-compat: 102 an empty $and
    "query in with null": PARSE_500,  # parse-compat: null in $in matches a missing field, as on MongoDB
    "query regex bad pattern": PARSE_500,  # parse-compat: 102 invalid regular expression
    "query skip negative": PARSE_500,  # parse-compat: 102 invalid skip
    "batch transaction failing": PARSE_500,  # parse-compat: the failing sub-request's error (111)
    # parse-compat: Parse creates the session, then fails unsetting the legacy _User.sessionToken
    # column PostgreSQL does not have (500); parse-compat answers the new session.
    "upgrade to revocable session": PG_ADAPTER,
    "query nearSphere": NO_POSTGIS,
    "query nearSphere max km": NO_POSTGIS,
    "query nearSphere max miles": NO_POSTGIS,
    "query nearSphere max radians": NO_POSTGIS,
    "query geoWithin centerSphere": NO_POSTGIS,
    "query array contains": PG_ADAPTER,  # parse-compat: Parse on PostgreSQL 500s on `tags: "b"` (jsonb scalar)
    "update t1 addunique": PG_ADAPTER,  # parse-compat: Parse on PostgreSQL puts the new items first
    "delete missing class": PG_ADAPTER,  # parse-compat: 101 object not found, as on MongoDB (PostgreSQL: {})
    "query bad operator": PG_ADAPTER,  # parse-compat: 107 bad constraint (PostgreSQL: sanitised 119)
    "query all not array": PG_ADAPTER,  # parse-compat: 107 bad constraint (PostgreSQL: sanitised 119)
    "query limit negative": PG_ADAPTER,  # parse-compat: no results (PostgreSQL: 500 on LIMIT -1)
    "query notInQuery pointer": PG_ADAPTER,  # parse-compat: objects without the pointer match (SQL NULL drops them)
    "query date as string": PG_ADAPTER,  # parse-compat: a string never equals a Date (PostgreSQL casts it)
    "query number as string": PG_ADAPTER,  # parse-compat: "1" never equals 1 (PostgreSQL casts it)
    "query text case sensitive": PG_ADAPTER,  # parse-compat: $caseSensitive works (PostgreSQL: 107)
    "query text diacritic": PG_ADAPTER,  # parse-compat: $diacriticSensitive works (PostgreSQL: 107)
    "query all with regex": PG_ADAPTER,  # parse-compat: $all of regexes matches any element, as on MongoDB
    "config put no params": PG_ADAPTER,  # parse-compat: an empty update succeeds (PostgreSQL: 141)
    "aggregate count": PG_ADAPTER,  # parse-compat: $count is supported (PostgreSQL: 102)
    "aggregate sort limit project": PG_ADAPTER,  # parse-compat: $project keeps objectId (PostgreSQL: null)
    # parse-compat: a fresh server lists _Idempotency as Parse on MongoDB does (its start-up stores
    # the class in _SCHEMA); Parse on PostgreSQL leaves it out.
    "schemas list": PG_ADAPTER,
    "create bad geopoint": REFUSED,  # parse-compat: latitude 100 is refused with 107
    "create bad acl": REFUSED,  # parse-compat: an ACL whose read is not a boolean is refused (123)
    "create acl not object": REFUSED,  # parse-compat: an ACL that is not an object is refused (123)
    "update objectId": REFUSED,  # parse-compat: an update cannot change objectId (Parse renames it)
    "role create bad name": REFUSED,  # parse-compat: role names are letters, digits, _ and - (139), as the SDK checks
    "role rename": REFUSED,  # parse-compat: a role keeps its name (136), as the SDK's Parse.Role enforces
    "aggregate bad stage": REFUSED,  # parse-compat: an unknown stage is refused (102); Parse ignores it
    "create body is array": REFUSED,  # parse-compat: a non-object body is invalid JSON (107); Parse says 105
    # parse-compat: $text matches words without stemming ("rays" does not find "ray"); Parse
    # (PostgreSQL's to_tsvector, MongoDB's text index) stems with $language.
    "query text language": "no stemming in parse-compat's $text",
    "create bad json": BAD_JSON,
    "update bad json": BAD_JSON,
    "envelope bad json": BAD_JSON,
}
