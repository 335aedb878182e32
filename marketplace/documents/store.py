"""Where uploaded files live: each under a random 64-hex key in UPLOAD_FOLDER (outside
static/, sharded by the key's first two characters), written whole before any row names
it, and found again only by that key. The user's filename never reaches the disk."""

import hashlib
import os
import re
import secrets
from pathlib import Path

from flask import current_app

KEY = re.compile(r"[0-9a-f]{64}")


def storage_path(storage_key: str) -> Path:
    """Where the file with this key lives; ValueError for anything that is not a key."""
    if not KEY.fullmatch(storage_key or ""):
        raise ValueError("not a storage key")
    return Path(current_app.config["UPLOAD_FOLDER"]) / storage_key[:2] / storage_key


def stored_file(storage_key: str) -> Path | None:
    """The stored file's path, or None when the key is malformed or the file is not there."""
    try:
        path = storage_path(storage_key)
    except ValueError:
        return None
    return path if path.is_file() else None


def write_file(data: bytes) -> str:
    """Write the bytes under a new random key and return the key. The file appears whole
    or not at all (written to a .part file, synced, then renamed)."""
    key = secrets.token_hex(32)
    path = storage_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    return key


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
