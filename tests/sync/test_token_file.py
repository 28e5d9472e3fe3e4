"""The device token file: owner-only from birth, refused when others can read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hipflex.errors import HipflexError
from hipflex.sync.token_file import forget_token, load_token, save_token, token_path


def test_the_token_is_written_owner_only_and_read_back(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # even a permissive umask gives 0600
    try:
        path = save_token(tmp_path, "secret-token")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token(tmp_path) == "secret-token"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left over
    save_token(tmp_path, "newer")
    assert load_token(tmp_path) == "newer"
    forget_token(tmp_path)
    assert load_token(tmp_path) is None
    forget_token(tmp_path)  # twice is fine


def test_a_token_others_can_read_is_refused(tmp_path: Path) -> None:
    save_token(tmp_path, "secret-token")
    token_path(tmp_path).chmod(0o644)
    with pytest.raises(HipflexError, match="can be read by other users") as raised:
        load_token(tmp_path)
    assert raised.value.hint is not None and "chmod 600" in raised.value.hint
