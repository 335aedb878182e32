"""Uploaded files wherever they are attached (a need, a bid, a delivery report), through
HTTP: a stored file is only ever sent as an attachment, with its checked content type,
not sniffed and not cached; a missing or malformed stored file is a 404, never a 500;
and an upload is refused for the same reasons, with the same messages, on every form.
Who may download each kind of file is tested with its domain (needs, bids, delivery)."""

import io
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.bids import drafting, submission
from marketplace.bids.models import BidDocument
from marketplace.delivery import drafts, evidence
from marketplace.delivery.models import ReportDocument
from marketplace.documents import store, uploads
from marketplace.extensions import db
from marketplace.needs import documents as need_documents
from marketplace.refusals import Refusal
from marketplace.timeutil import utcnow

from . import factories
from .delivery.helpers import make_setup
from .helpers import error_summary, post_form, sign_in

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# A CSV is text a browser could be tempted to render: it must still only be downloaded.
HTML_IN_CSV = b"name,note\n<html><script>alert(1)</script></html>,x\n"
NO_STORE = "private, no-store"
KINDS = "PDF, ODT, DOCX, XLSX or CSV"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def _signed_in(client, user):
    assert sign_in(client, user.email).status_code == 302
    return user


# One stored file of each kind, and the URL its owner downloads it from --------------------


def _need_file(client, filename, data):
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    need = factories.make_need(commissioner=commissioner, published=False)
    document = need_documents.store_document(need, filename=filename, data=data, actor=commissioner)
    db.session.commit()
    _signed_in(client, commissioner)
    return document, f"/needs/{need.id}/documents/{document.id}"


def _bid_file(client, filename, data):
    need = factories.make_need()
    bid = factories.make_bid(need, submit=False)
    document = drafting.add_document(bid, filename=filename, data=data, actor=bid.created_by)
    db.session.commit()
    _signed_in(client, bid.created_by)
    return document, f"/bids/{bid.id}/documents/{document.id}"


def _submitted_bid_file(client, filename, data):
    """A document of a submitted bid, read by the commissioner once the need has closed."""
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    need = factories.make_need(commissioner=commissioner)
    bid = factories.make_bid(need, submit=False)
    document = drafting.add_document(bid, filename=filename, data=data, actor=bid.created_by)
    submission.submit_bid(bid, actor=bid.created_by)
    need.question_deadline = utcnow() - timedelta(hours=2)
    need.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    _signed_in(client, commissioner)
    return document, f"/needs/{need.id}/bids/{bid.id}/documents/1"


def _evidence_file(client, filename, data):
    s = make_setup()
    report = drafts.start_report(s.milestone, s.owner)
    document = evidence.add_evidence(report, filename, data, s.owner)
    db.session.commit()
    _signed_in(client, s.owner)
    return document, f"/contracts/{s.contract.id}/milestones/{s.milestone.id}/report/evidence/{document.id}"


STORED = pytest.mark.parametrize(
    "stored",
    [_need_file, _bid_file, _submitted_bid_file, _evidence_file],
    ids=["need", "bid", "submitted_bid", "evidence"],
)


@STORED
def test_a_stored_file_is_served_as_an_attachment_never_inline(client, db_session, stored):
    document, url = stored(client, "notes.csv", HTML_IN_CSV)
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == HTML_IN_CSV
    assert response.headers["Content-Disposition"] == "attachment; filename=notes.csv"
    assert response.mimetype == "text/csv" == document.content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == NO_STORE


@STORED
def test_a_stored_file_keeps_its_uploaded_name_when_offered(client, db_session, stored):
    _, url = stored(client, "Delivery plan \u2013 Margate.pdf", PDF)
    disposition = client.get(url).headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Delivery%20plan%20%E2%80%93%20Margate.pdf" in disposition


@STORED
def test_a_missing_stored_file_is_a_404_not_a_500(client, db_session, stored):
    document, url = stored(client, "Plan.pdf", PDF)
    store.storage_path(document.storage_key).unlink()
    assert client.get(url).status_code == 404


@STORED
def test_a_row_with_a_malformed_storage_key_is_a_404_not_a_500(client, db_session, stored):
    document, url = stored(client, "Plan.pdf", PDF)
    document.storage_key = "../../etc/passwd"
    db.session.commit()
    assert client.get(url).status_code == 404


def test_a_submitted_bid_document_is_offered_under_the_name_the_submission_recorded(client, db_session):
    document, url = _submitted_bid_file(client, "Plan.pdf", PDF)
    document.filename = "Renamed since.pdf"
    db.session.commit()
    assert client.get(url).headers["Content-Disposition"] == "attachment; filename=Plan.pdf"


def test_a_stored_file_lives_under_its_random_key_outside_static(app, db_session, upload_folder):
    with app.test_request_context():
        key = store.write_file(PDF)
        path = store.storage_path(key)
    assert path == upload_folder / key[:2] / key
    assert path.read_bytes() == PDF
    assert not list(upload_folder.rglob("*.part"))
    with pytest.raises(ValueError):
        store.storage_path("Plan.pdf")


# Upload checks -------------------------------------------------------------------------------

DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
NOT_REAL = "The selected file is not a real {} file: it must be a " + KINDS

REFUSED = [
    ("Plan.pdf", b"MZ\x90\x00 a Windows program", NOT_REAL.format("PDF")),
    ("Plan.pdf", b"<html><script>alert(1)</script></html>", NOT_REAL.format("PDF")),
    ("Plan.docx", PDF, NOT_REAL.format("DOCX")),
    ("Plan.docx", XLSX, NOT_REAL.format("DOCX")),
    ("Plan.docx", _zip({"evil.exe": b"MZ"}), NOT_REAL.format("DOCX")),
    ("Numbers.xlsx", DOCX, NOT_REAL.format("XLSX")),
    ("Plan.odt", _zip({"mimetype": b"application/zip"}), NOT_REAL.format("ODT")),
    ("Plan.odt", _zip({"mimetype": b"x" * 300}), NOT_REAL.format("ODT")),
    ("Plan.odt", b"PK\x03\x04 broken zip", NOT_REAL.format("ODT")),
    ("Numbers.csv", b"a,b\x00\x01", NOT_REAL.format("CSV")),
    ("Numbers.csv", b"\xff\xfe\xfa not utf-8", NOT_REAL.format("CSV")),
    ("program.exe", PDF, f"The selected file must be a {KINDS}"),
    ("page.html", b"<html></html>", f"The selected file must be a {KINDS}"),
    ("no-extension", PDF, f"The selected file must be a {KINDS}"),
    ("Empty.pdf", b"", "The selected file is empty"),
]


@pytest.mark.parametrize("filename, data, message", REFUSED)
def test_upload_checks_refuse_a_disguised_or_wrong_file(app, filename, data, message, upload_folder):
    with app.app_context(), pytest.raises(uploads.DocumentError) as refused:
        uploads.save_upload(filename, data)
    assert refused.value.message == str(refused.value) == message
    assert not upload_folder.exists()  # nothing written for a refused file


def test_upload_checks_refuse_a_file_over_the_size_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_MB", 1)
    with app.app_context():
        with pytest.raises(uploads.DocumentError, match=r"^The selected file must be smaller than 1MB$"):
            uploads.check_upload("Big.pdf", PDF + b"0" * (1024 * 1024))
        assert uploads.check_upload("Small.pdf", PDF) == ("Small.pdf", "application/pdf")


def test_an_upload_refusal_is_a_refusal_shown_by_the_page_as_a_whole():
    error = uploads.DocumentError("The selected file is empty")
    assert isinstance(error, Refusal) and error.field is None


@pytest.mark.parametrize(
    "given, shown",
    [
        ("../../etc/Plan.pdf", "Plan.pdf"),
        ("C:\\Users\\me\\Plan.pdf", "Plan.pdf"),
        ('Plan<script>"x".pdf', "Planscriptx.pdf"),
        ("Plan\u202egpj.pdf", "Plangpj.pdf"),  # no right-to-left override to disguise the extension
        ("...", "document"),
        ("", "document"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_an_uploaded_name_is_cleaned_before_it_is_shown_or_offered(given, shown):
    assert uploads.clean_filename(given) == shown


@pytest.mark.parametrize(
    "url_of, model",
    [
        (lambda need, bid, s: f"/bids/{bid.id}/documents", BidDocument),
        (
            lambda need, bid, s: f"/contracts/{s.contract.id}/milestones/{s.milestone.id}/report/evidence",
            ReportDocument,
        ),
    ],
    ids=["bid", "evidence"],
)
def test_every_upload_form_refuses_a_disguised_file_with_the_same_message(client, db_session, url_of, model):
    s = make_setup()
    need = factories.make_need()
    bid = factories.make_bid(need, provider=s.owner, submit=False)
    db.session.commit()
    _signed_in(client, s.owner)
    data = {"document": (io.BytesIO(b"MZ\x90\x00"), "Plan.pdf")}
    response = post_form(client, url_of(need, bid, s), data, content_type="multipart/form-data")
    assert error_summary(response) == [NOT_REAL.format("PDF")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
