"""Documents on a need: only real PDF, ODT, DOCX, XLSX and CSV files, size-limited, stored
under a random key outside static/, and served only to those who may see the need."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.documents import store
from marketplace.extensions import db
from marketplace.needs import documents
from marketplace.needs.models import NeedDocument

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"})
DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
CSV = "Area,People\nEast Kent,40\nThanet – Margate,12\n".encode()


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def commissioner(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")


@pytest.fixture
def draft(commissioner):
    return factories.make_need(commissioner=commissioner, published=False)


def _signed_in(client, user):
    assert sign_in(client, user.email).status_code == 302
    return user


def _upload(client, need, filename, data):
    url = f"/needs/{need.id}/documents"
    return post_form(client, url, {"document": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


@pytest.mark.parametrize(
    "filename, data, content_type",
    [
        ("Specification.pdf", PDF, "application/pdf"),
        ("Specification.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("Specification.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Numbers.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("Numbers.csv", CSV, "text/csv"),
    ],
)
def test_commissioner_uploads_a_real_document(client, commissioner, draft, uploads, filename, data, content_type):
    _signed_in(client, commissioner)
    response = _upload(client, draft, filename, data)
    assert response.status_code == 302, error_summary(response)
    document = db.session.scalar(sa.select(NeedDocument).where(NeedDocument.need_id == draft.id))
    assert document.filename == filename
    assert document.content_type == content_type
    assert document.size_bytes == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    # Stored under a random key, never the user's filename, outside static/.
    assert filename not in document.storage_key
    stored = store.storage_path(document.storage_key)
    assert stored.read_bytes() == data
    assert Path(uploads) in stored.parents
    assert "static" not in stored.parts
    assert count(AuditEvent, AuditEvent.action == "need.document_uploaded", AuditEvent.object_id == draft.id) == 1
    assert filename in page_text(client.get(f"/needs/{draft.id}/documents"))


@pytest.mark.parametrize(
    "filename, data, message",
    [
        (
            "Specification.pdf",
            b"MZ\x90\x00 this is a Windows program",
            "The selected file is not a real PDF file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        (
            "Specification.pdf",
            b"<html><script>alert(1)</script></html>",
            "The selected file is not a real PDF file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        (
            "Specification.docx",
            b"%PDF-1.7 a pdf with the wrong name",
            "The selected file is not a real DOCX file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        (
            "Specification.docx",
            XLSX,
            "The selected file is not a real DOCX file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        (
            "Specification.docx",
            _zip({"evil.exe": b"MZ"}),
            "The selected file is not a real DOCX file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        ("Numbers.xlsx", DOCX, "The selected file is not a real XLSX file: it must be a PDF, ODT, DOCX, XLSX or CSV"),
        (
            "Specification.odt",
            _zip({"mimetype": b"application/zip"}),
            "The selected file is not a real ODT file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        (
            "Specification.odt",
            b"PK\x03\x04 broken zip",
            "The selected file is not a real ODT file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        (
            "Numbers.csv",
            b"Area,People\x00\x01\x02",
            "The selected file is not a real CSV file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        (
            "Numbers.csv",
            b"\xff\xfe\xfa not utf-8",
            "The selected file is not a real CSV file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        ("program.exe", PDF, "The selected file must be a PDF, ODT, DOCX, XLSX or CSV"),
        ("page.html", b"<html></html>", "The selected file must be a PDF, ODT, DOCX, XLSX or CSV"),
        ("no-extension", PDF, "The selected file must be a PDF, ODT, DOCX, XLSX or CSV"),
        ("Empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_disguised_or_wrong_files_are_refused(client, commissioner, draft, uploads, filename, data, message):
    _signed_in(client, commissioner)
    events = count(AuditEvent)
    response = _upload(client, draft, filename, data)
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert "<title>Error:" in page_text(response)
    assert count(NeedDocument) == 0
    assert count(AuditEvent) == events
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_no_file_chosen(client, commissioner, draft):
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{draft.id}/documents", {}, content_type="multipart/form-data")
    assert error_summary(response) == ["Select a file to upload"]


def test_oversized_file_is_refused(app, client, commissioner, draft, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_MB", 1)
    _signed_in(client, commissioner)
    response = _upload(client, draft, "Big.pdf", PDF + b"0" * (1024 * 1024))
    assert error_summary(response) == ["The selected file must be smaller than 1MB"]
    assert count(NeedDocument) == 0


def test_request_over_the_size_limit_gets_a_styled_413(app, client, commissioner, draft, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    _signed_in(client, commissioner)
    response = _upload(client, draft, "Huge.pdf", PDF + b"0" * (128 * 1024))
    assert response.status_code == 413
    assert "The file is too large" in page_text(response)
    assert count(NeedDocument) == 0


def test_long_or_strange_filenames_are_cleaned(client, commissioner, draft):
    _signed_in(client, commissioner)
    response = _upload(client, draft, "../../etc/" + "a" * 300 + "<script>.pdf", PDF)
    assert response.status_code == 302, error_summary(response)
    document = db.session.scalar(sa.select(NeedDocument).where(NeedDocument.need_id == draft.id))
    assert len(document.filename) <= 200 and document.filename.endswith(".pdf")
    assert "/" not in document.filename and "<" not in document.filename


def _stored(need, user, filename="Specification.pdf", data=PDF):
    document = documents.store_document(need, filename=filename, data=data, actor=user)
    db.session.flush()
    return document


@pytest.mark.parametrize(
    "actor, published, status",
    [
        ("anonymous", False, 404),
        ("provider", False, 404),
        ("commissioner_elsewhere", False, 404),
        ("evaluator", False, 404),
        ("commissioner", False, 200),
        ("regional_commissioner", False, 200),
        ("anonymous", True, 200),
        ("provider", True, 200),
    ],
)
def test_download_only_when_the_need_may_be_seen(client, commissioner, actor, published, status):
    need = factories.make_need(commissioner=commissioner, published=published)
    document = _stored(need, commissioner)
    user = {
        "anonymous": lambda: None,
        "provider": lambda: factories.make_provider(),
        "commissioner_elsewhere": lambda: factories.make_area_staff(Role.COMMISSIONER, "N56ESXN"),
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR, "N57EKNT"),
        "commissioner": lambda: commissioner,
        "regional_commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER, "N57"),
    }[actor]()
    if user is not None:
        _signed_in(client, user)
    response = client.get(f"/needs/{need.id}/documents/{document.id}")
    assert response.status_code == status
    if status == 200:
        assert response.data == PDF
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "Specification.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_document_of_another_need_is_not_served(client, commissioner):
    need = factories.make_need(commissioner=commissioner)
    other = factories.make_need(commissioner=commissioner, published=False)
    document = _stored(other, commissioner)
    assert client.get(f"/needs/{need.id}/documents/{document.id}").status_code == 404


def test_removing_a_document_keeps_the_row_and_stops_serving_it(client, commissioner):
    need = factories.make_need(commissioner=commissioner)
    document = _stored(need, commissioner)
    _signed_in(client, commissioner)
    url = f"/needs/{need.id}/documents/{document.id}/remove"
    assert client.get(url).status_code == 200
    # The need is open: removing a document is an amendment, so it needs a reason.
    response = post_form(client, url)
    assert error_summary(response) == ["Enter the reason for the change"]
    response = post_form(client, url, {"reason": "Replaced by the new specification"})
    assert response.status_code == 302
    db.session.expire_all()
    document = db.session.get(NeedDocument, document.id)
    assert document.removed_at is not None
    assert store.storage_path(document.storage_key).exists()
    assert count(AuditEvent, AuditEvent.action == "need.document_removed", AuditEvent.object_id == need.id) == 1
    assert client.get(f"/needs/{need.id}/documents/{document.id}").status_code == 404
    assert "Specification.pdf" not in page_text(client.get(f"/needs/{need.id}/documents"))


@pytest.mark.parametrize("actor", ["provider", "commissioner_elsewhere", "admin"])
def test_only_the_area_commissioner_uploads(client, commissioner, draft, actor):
    user = {
        "provider": lambda: factories.make_provider(),
        "commissioner_elsewhere": lambda: factories.make_area_staff(Role.COMMISSIONER, "N56ESXN"),
        "admin": lambda: factories.make_user(admin=True),
    }[actor]()
    _signed_in(client, user)
    response = post_form(
        client,
        f"/needs/{draft.id}/documents",
        {"document": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
        from_url="/accessibility",
    )
    assert response.status_code == 403
    assert count(NeedDocument) == 0


def test_a_document_added_to_an_open_need_is_an_amendment_followers_hear_of(client, commissioner):
    from marketplace.needs import following
    from marketplace.needs.models import Amendment
    from marketplace.notifications import OutboxEmail

    need = factories.make_need(commissioner=commissioner)
    follower = factories.make_provider()
    following.follow_need(need, actor=follower)
    db.session.commit()
    _signed_in(client, commissioner)
    url = f"/needs/{need.id}/documents"
    upload = {"document": (io.BytesIO(PDF), "Clarification.pdf")}
    response = post_form(client, url, upload, content_type="multipart/form-data")
    assert error_summary(response) == ["Enter the reason for the change"]
    assert count(NeedDocument, NeedDocument.need_id == need.id) == 0
    response = post_form(
        client,
        url,
        {"document": (io.BytesIO(PDF), "Clarification.pdf"), "reason": "Answers to common questions"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    amendment = db.session.scalar(sa.select(Amendment).where(Amendment.need_id == need.id))
    assert list(amendment.changes) == ["documents"]
    assert amendment.changes["documents"]["after"][0]["filename"] == "Clarification.pdf"
    assert amendment.material is False
    assert count(OutboxEmail, OutboxEmail.to == follower.email) == 1
    assert "Documents" in page_text(client.get(f"/needs/{need.id}"))
