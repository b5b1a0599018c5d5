"""Issue 14, deliverable 6: every option of the Parse Server this project pins (tests/graphql/parse_server,
installed by `make graphql-js`) is either accepted under its name (settings.OPTIONS, with Parse's
environment variable) or named, with its reason, in the README's paragraph of options that do not
apply."""

from __future__ import annotations

import re
from pathlib import Path

from parse_compat.settings import OPTIONS

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "tests/graphql/parse_server/node_modules/parse-server/lib/Options/Definitions.js"


def _parse_options() -> dict[str, str | None]:
    text = DEFINITIONS.read_text(encoding="utf-8")
    block = text[text.index("module.exports.ParseServerOptions"):]
    block = block[:block.index("\n};")]
    found: dict[str, str | None] = {}
    for match in re.finditer(r"^  (\w+): \{\n(?:    env: '(\w+)')?", block, re.M):
        found[match.group(1)] = match.group(2)
    return found


def test_every_parse_option_is_accepted_or_explained() -> None:
    parse = _parse_options()
    assert len(parse) >= 100, "Definitions.js was not read as expected"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("\nParse Server options that do not apply here"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    ours = {spec.name: spec.env for spec in OPTIONS}
    missing = [name for name in parse if name not in ours and f"`{name}`" not in paragraph]
    assert not missing, f"neither accepted nor explained in the README: {missing}"
    other_env = {name: (ours[name], env) for name, env in parse.items() if name in ours and env and ours[name] != env}
    assert not other_env, f"accepted under another environment variable than Parse's: {other_env}"
