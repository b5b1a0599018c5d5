"""bcrypt hashes as Parse Server writes them ($2a$/$2b$ from bcryptjs) and the 72-byte rule."""

from __future__ import annotations

import bcrypt
import pytest

from parse_compat.auth.passwords import hash_password, verify_password

pytestmark = pytest.mark.asyncio


async def test_verifies_2a_and_2b_hashes() -> None:
    for prefix in (b"2a", b"2b"):
        hashed = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4, prefix=prefix)).decode()
        assert hashed.startswith("$" + prefix.decode() + "$")
        assert await verify_password("correct horse", hashed)
        assert not await verify_password("wrong horse", hashed)


async def test_new_hashes_use_cost_10() -> None:
    hashed = await hash_password("s3cret")
    assert hashed.startswith("$2b$10$") and await verify_password("s3cret", hashed)


async def test_only_the_first_72_bytes_count_like_bcryptjs() -> None:
    long_password = "é" * 40  # 80 bytes in UTF-8
    hashed = await hash_password(long_password, cost=4)
    assert await verify_password(long_password, hashed)
    assert await verify_password("é" * 36 + "different tail", hashed)
    assert not await verify_password("é" * 35, hashed)


async def test_missing_or_broken_hash_never_verifies() -> None:
    assert not await verify_password("anything", None)
    assert not await verify_password("anything", "not-a-bcrypt-hash")
