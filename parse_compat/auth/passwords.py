"""bcrypt password hashing, always off the event loop.

Hashes are compatible with Parse Server's (bcryptjs, `$2a$`/`$2b$`, cost 10). Like bcryptjs,
only the first 72 bytes of a password count.
"""

from __future__ import annotations

import asyncio

import bcrypt

BCRYPT_COST = 10
MAX_BYTES = 72
# A valid hash of a random string, compared when the user does not exist, so a bad username
# takes as long as a bad password.
DUMMY_HASH = b"$2b$10$CwTycUXWue0Thq9StjUM0uJ8.4zvVdUBIp8HGyMj0/aZ6F9Khad0S"


def _bytes(password: str) -> bytes:
    # parse-compat: bcryptjs silently uses only the first 72 bytes; bcrypt>=5 would refuse.
    return password.encode("utf-8")[:MAX_BYTES]


def _hash(password: str, cost: int) -> str:
    return bcrypt.hashpw(_bytes(password), bcrypt.gensalt(rounds=cost)).decode("ascii")


def _verify(password: str, hashed: str | None) -> bool:
    target = hashed.encode("ascii") if hashed else DUMMY_HASH
    try:
        ok = bcrypt.checkpw(_bytes(password), target)
    except ValueError:
        return False
    return ok and hashed is not None


async def hash_password(password: str, cost: int = BCRYPT_COST) -> str:
    return await asyncio.get_running_loop().run_in_executor(None, _hash, password, cost)


async def verify_password(password: str, hashed: str | None) -> bool:
    return await asyncio.get_running_loop().run_in_executor(None, _verify, password, hashed)
