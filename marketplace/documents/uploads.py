"""The checks on an uploaded file, shared by needs, bids and delivery evidence: a file is
accepted only when it is what its name says and within the size limit. A .pdf must start
with %PDF-, ODT/DOCX/XLSX must be zip packages with the right internal parts, and a CSV
must be UTF-8 text with no NUL bytes. The user's filename is cleaned and kept only to
show and to offer on download; the file itself is stored under a random key (store.py).
"""

import io
import re
import zipfile

from flask import current_app

from ..refusals import Refusal
from . import store

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
KINDS = "PDF, ODT, DOCX, XLSX or CSV"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*\u202a-\u202e\u2066-\u2069\ufeff]")


class DocumentError(Refusal):
    """The file cannot be accepted; the message is fit to show the user."""


def max_bytes() -> int:
    return current_app.config["DOCUMENT_MAX_MB"] * 1024 * 1024


def clean_filename(name: str) -> str:
    """The name to show: no folders, no characters that mean something to a file system or
    a browser, at most 200 characters with the extension kept."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_NAME.sub("", name).strip().strip(".") or "document"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def extension(name: str) -> str:
    _, dot, ext = (name or "").rpartition(".")
    return ext.lower() if dot else ""


def _zip_names(data: bytes) -> tuple[zipfile.ZipFile, set[str]] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None


def _is_csv(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _is_odt(archive: zipfile.ZipFile, names: set[str]) -> bool:
    if "mimetype" not in names:
        return False
    try:
        info = archive.getinfo("mimetype")
        if info.file_size > 200:
            return False
        return archive.read("mimetype").strip() == ODT_MIMETYPE
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError, NotImplementedError):
        return False


def _looks_like(ext: str, data: bytes) -> bool:
    if ext == "pdf":
        return data.startswith(b"%PDF-")
    if ext == "csv":
        return _is_csv(data)
    if not data.startswith(b"PK\x03\x04"):
        return False
    opened = _zip_names(data)
    if opened is None:
        return False
    archive, names = opened
    if ext == "odt":
        return _is_odt(archive, names)
    folder = {"docx": "word/", "xlsx": "xl/"}[ext]
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def check_upload(filename: str, data: bytes) -> tuple[str, str]:
    """(clean filename, content type) for an acceptable file, or DocumentError."""
    name = clean_filename(filename)
    ext = extension(name)
    if ext not in CONTENT_TYPES:
        raise DocumentError(f"The selected file must be a {KINDS}")
    if not data:
        raise DocumentError("The selected file is empty")
    if len(data) > max_bytes():
        raise DocumentError(f"The selected file must be smaller than {current_app.config['DOCUMENT_MAX_MB']}MB")
    if not _looks_like(ext, data):
        raise DocumentError(f"The selected file is not a real {ext.upper()} file: it must be a {KINDS}")
    return name, CONTENT_TYPES[ext]


def read_limited(stream) -> bytes:
    """Read at most one byte more than allowed, so an oversized file is known without
    reading all of it."""
    return stream.read(max_bytes() + 1)


def save_upload(filename: str, data: bytes) -> dict:
    """Check an uploaded file and write it under a new random key. Returns the columns a
    document row needs (needs.models.StoredDocument). The file is written before any row, so a
    row never points at nothing (a failed transaction leaves an unused file, never a
    missing one)."""
    name, content_type = check_upload(filename, data)
    return {
        "filename": name,
        "content_type": content_type,
        "size_bytes": len(data),
        "sha256": store.sha256(data),
        "storage_key": store.write_file(data),
    }


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f}KB"
    return f"{size / (1024 * 1024):.1f}MB"
