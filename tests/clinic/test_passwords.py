"""Password hashing as deployed, and the shipped list of common passwords."""

from __future__ import annotations

from hipflex.services.clinic import passwords


def test_production_hashes_are_argon2id_with_64_mib_and_3_passes() -> None:
    hasher = passwords.PasswordHash.recommended()
    encoded = hasher.hash("a long phrase nobody uses")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password("a long phrase nobody uses", encoded)
    assert not passwords.verify_password("a long phrase nobody uses!", encoded)
    assert not passwords.verify_password("anything", "not a hash")


def test_common_password_list_is_shipped_and_lower_case() -> None:
    common = passwords.common_passwords()
    assert len(common) > 19_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
    assert all(p == p.lower() for p in list(common)[:2000])
    assert (passwords.COMMON_PASSWORDS.parent / "common-passwords.LICENSE").exists()
