"""Names the generated GraphQL schema uses, as Parse Server generates them: a class's GraphQL
name (`_User` → `User`), its query names (`treatmentPlan` / `treatmentPlans`, through an English
pluraliser with the rules of npm `pluralize`, which Parse uses), Relay global ids
(`base64("<className>:<objectId>")`) and connection cursors (`base64("arrayconnection:<n>")`).
Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re

GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_A-Za-z0-9]*$")
CURSOR_PREFIX = "arrayconnection:"


def graphql_class_name(class_name: str) -> str:
    """`_User` → `User`, `treatmentPlan` → `TreatmentPlan` (Parse's transformClassNameToGraphQL)."""
    name = class_name[1:] if class_name.startswith("_") else class_name
    return name[:1].upper() + name[1:]


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


# Plural rules, highest priority first (the rules npm `pluralize` applies, as regexes over the word's end).
_UNCOUNTABLE_WORDS = frozenset({
    "adulthood", "advice", "agenda", "aid", "aircraft", "alcohol", "ammo", "analytics", "anime", "athletics",
    "audio", "bison", "blood", "bream", "buffalo", "butter", "carp", "cash", "chassis", "chess", "clothing",
    "cod", "commerce", "cooperation", "corps", "debris", "diabetes", "digestion", "elk", "energy", "equipment",
    "excretion", "expertise", "firmware", "flounder", "fun", "gallows", "garbage", "graffiti", "hardware",
    "headquarters", "health", "herpes", "highjinks", "homework", "housework", "information", "jeans",
    "justice", "kudos", "labour", "literature", "machinery", "mackerel", "mail", "media", "mews", "moose",
    "music", "mud", "manga", "news", "only", "personnel", "pike", "plankton", "pliers", "police", "pollution",
    "premises", "rain", "research", "rice", "salmon", "scissors", "series", "sewage", "shambles", "shrimp",
    "software", "staff", "swine", "tennis", "traffic", "transportation", "trout", "tuna", "wealth", "welfare",
    "whiting", "wildebeest", "wildlife", "you",
})
_UNCOUNTABLE_ENDINGS = re.compile(r"(pok[eé]mon|[^aeiou]ese|deer|fish|measles|o[iu]s|pox|sheep)$", re.IGNORECASE)
_IRREGULAR = {
    "i": "we", "me": "us", "he": "they", "she": "they", "them": "them", "myself": "ourselves",
    "yourself": "yourselves", "itself": "themselves", "herself": "themselves", "himself": "themselves",
    "themself": "themselves", "is": "are", "was": "were", "has": "have", "this": "these", "that": "those",
    "echo": "echoes", "dingo": "dingoes", "volcano": "volcanoes", "tornado": "tornadoes", "torpedo": "torpedoes",
    "genus": "genera", "viscus": "viscera", "stigma": "stigmata", "stoma": "stomata", "dogma": "dogmata",
    "lemma": "lemmata", "schema": "schemata", "anathema": "anathemata", "ox": "oxen", "axe": "axes",
    "die": "dice", "yes": "yeses", "foot": "feet", "eave": "eaves", "goose": "geese", "tooth": "teeth",
    "quiz": "quizzes", "human": "humans", "proof": "proofs", "carve": "carves", "valve": "valves",
    "looey": "looies", "thief": "thieves", "groove": "grooves", "pickaxe": "pickaxes", "passerby": "passersby",
}
_PLURAL_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), r) for p, r in (
    (r"m[ae]n$", "men"),
    (r"eaux$", r"\g<0>"),
    (r"(child)(?:ren)?$", r"\1ren"),
    (r"(pe)(?:rson|ople)$", r"\1ople"),
    (r"\b((?:tit)?m|l)(?:ice|ouse)$", r"\1ice"),
    (r"(matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$", r"\1ices"),
    (r"(x|ch|ss|sh|zz)$", r"\1es"),
    (r"([^ch][ieo][ln])ey$", r"\1ies"),
    (r"([^aeiouy]|qu)y$", r"\1ies"),
    (r"(?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$", r"\1\2ves"),
    (r"sis$", "ses"),
    (r"(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)(?:a|on)$", r"\1a"),
    (r"(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor)"
     r"(?:a|um)$", r"\1a"),
    (r"(her|at|gr)o$", r"\1oes"),
    (r"(seraph|cherub)(?:im)?$", r"\1im"),
    (r"(alumn|alg|vertebr)(?:a|ae)$", r"\1ae"),
    (r"(alumn|syllab|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$", r"\1i"),
    (r"([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$", r"\1"),
    (r"(e[mn]u)s?$", r"\1s"),
    (r"(alias|[^aou]us|t[lm]as|gas|ris)$", r"\1es"),
    (r"(ax|test)is$", r"\1es"),
    (r"([^aeiou]ese)$", r"\1"),
    (r"s?$", "s"),
))


def _restore_case(original: str, replacement: str) -> str:
    if original == replacement or original == original.lower():
        return replacement.lower()
    if original == original.upper():
        return replacement.upper()
    if original[:1] == original[:1].upper():
        return replacement[:1].upper() + replacement[1:].lower()
    return replacement.lower()


def pluralize(word: str) -> str:
    """The plural npm `pluralize` gives (Parse names its find queries with it)."""
    token = word.lower()
    if token in _IRREGULAR.values():
        return word
    if token in _IRREGULAR:
        return _restore_case(word, _IRREGULAR[token])
    if not token or token in _UNCOUNTABLE_WORDS or _UNCOUNTABLE_ENDINGS.search(word):
        return word
    for pattern, replacement in _PLURAL_RULES:
        found = pattern.search(word)
        if found is None:
            continue
        new_end = found.expand(replacement)
        matched = found.group(0)
        if matched == "":
            previous = word[found.start() - 1] if found.start() > 0 else ""
            new_end = _restore_case(previous, new_end) if previous else new_end
        else:
            new_end = _restore_case(matched, new_end)
        return word[:found.start()] + new_end
    return word


def get_query_name(class_name: str) -> str:
    return lower_first(graphql_class_name(class_name))


def find_query_name(class_name: str) -> str:
    return pluralize(get_query_name(class_name))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _unb64(text: str) -> str | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        return None


def to_global_id(class_name: str, object_id: str) -> str:
    return _b64(f"{class_name}:{object_id}")


def from_global_id(value: str) -> tuple[str, str] | None:
    """(className, objectId) of a Relay global id, or None when `value` is not one."""
    decoded = _unb64(value)
    if decoded is None or ":" not in decoded:
        return None
    class_name, _, object_id = decoded.partition(":")
    return class_name, object_id


def object_id_of(value: str, class_name: str) -> str:
    """An id argument as Parse reads it: a global id of `class_name` → its objectId, anything else as is."""
    decoded = from_global_id(value)
    if decoded is not None and decoded[0] == class_name:
        return decoded[1]
    return value


def offset_to_cursor(offset: int) -> str:
    return _b64(f"{CURSOR_PREFIX}{offset}")


def cursor_to_offset(cursor: str) -> int | None:
    decoded = _unb64(cursor)
    if decoded is None or not decoded.startswith(CURSOR_PREFIX):
        return None
    try:
        return int(decoded[len(CURSOR_PREFIX):])
    except ValueError:
        return None
