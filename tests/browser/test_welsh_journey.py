"""The Welsh charity's journey in Welsh, in a real browser, as a new user would try it:
someone switches to Cymraeg on the start page, registers an organisation and confirms
their email in Welsh; the demo's Welsh charity finds the need of North Wales by its Welsh
title, bids for its second lot, answers in Welsh and submits, and reads its receipt, all
without meeting English; then switches back to English on the same page.

Every page visited gets axe-core's WCAG 2.2 A/AA checks (see conftest.Tab), in Welsh.
"""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.notifications import OutboxEmail

from ..helpers import DEMO_PASSWORD
from .test_needs_journey import error_summary

WELSH_TITLE = "Cymorth i fenywod ar brawf yng Ngwynedd ac Ynys Môn"
ENGLISH_TITLE = "Support for women on probation in Gwynedd and Anglesey"
NEW_PASSWORD = "dail-y-coed-yn-yr-hydref-2026"


def _latest_email(live_app, to: str) -> OutboxEmail:
    with live_app.app_context():
        email = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == to).order_by(OutboxEmail.id.desc()))
        db.session.expunge_all()
        db.session.remove()
    assert email is not None, f"no email to {to}"
    return email


def test_someone_switches_to_welsh_and_registers_in_welsh(tab, live_app, live_server):
    page = tab.page
    tab.goto("/")
    tab.click(page.get_by_role("link", name="Cymraeg"))
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Comisiynu partneriaid lleol ar gyfer y gwasanaeth prawf")

    tab.click(page.get_by_role("navigation", name="Dewislen").get_by_role("link", name="Cofrestru sefydliad"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cofrestru eich sefydliad")
    # Nothing filled in: the errors are in Welsh, and the title starts "Gwall: ".
    tab.click(page.get_by_role("button", name="Creu cyfrif"))
    expect(page).to_have_title(re.compile(r"^Gwall: "))
    expect(error_summary(page).get_by_role("heading", level=2)).to_have_text("Mae problem wedi codi")

    email = "gwen@canolfan-caernarfon.example"
    page.get_by_label("Enw’r sefydliad").fill("Canolfan Caernarfon")
    page.get_by_label("Elusen gofrestredig (ymddiriedolaeth neu gymdeithas anghorfforedig)").check()
    page.get_by_label("Rhif elusen").fill("1187655")
    page.get_by_label("Llai na £100,000 y flwyddyn").check()
    page.get_by_label("Eich enw llawn").fill("Gwen Roberts")
    page.get_by_label("Eich cyfeiriad e-bost").fill(email)
    page.get_by_label("Cyfrinair", exact=True).fill(NEW_PASSWORD)
    tab.click(page.get_by_role("button", name="Creu cyfrif"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gwiriwch eich e-bost")

    # The confirmation email is in Welsh too, and its link signs them in.
    sent = _latest_email(live_app, email)
    assert sent.language == "cy" and "Helo Gwen Roberts" in sent.body
    link = re.search(r"(https?://\S+/verify-email/\S+)", sent.private_body or sent.body).group(1)
    tab.goto(link)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Mae eich cyfeiriad e-bost wedi’i gadarnhau ac rydych wedi mewngofnodi."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Helo, Gwen Roberts")


def test_the_welsh_charity_finds_the_need_bids_in_welsh_and_reads_its_receipt(tab, live_app):
    page = tab.page
    tab.goto("/?lang=cy")
    tab.click(page.get_by_role("navigation", name="Dewislen").get_by_role("link", name="Mewngofnodi"))
    page.get_by_label("Cyfeiriad e-bost").fill("elusen@demo.test")
    page.get_by_label("Cyfrinair", exact=True).fill(DEMO_PASSWORD)
    tab.click(page.get_by_role("button", name="Mewngofnodi", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Helo, Gwen Jones")

    # Found by a Welsh word of its Welsh title.
    tab.goto("/needs")
    page.get_by_label("Geiriau chwilio").fill("Gwynedd")
    tab.click(page.get_by_role("button", name="Rhoi’r hidlyddion ar waith"))
    tab.click(page.get_by_role("link", name=WELSH_TITLE))
    expect(page.get_by_role("heading", level=1)).to_have_text(WELSH_TITLE)
    expect(page.get_by_text(ENGLISH_TITLE)).to_have_count(0)

    # It has bid for the first lot already (the demo), so it starts another.
    tab.click(page.get_by_role("button", name="Dechrau cynnig arall"))
    page.get_by_role("radio", name=re.compile("Drop-in in Holyhead")).check()
    tab.click(page.get_by_role("button", name="Dechrau eich cynnig"))
    expect(page.get_by_role("heading", level=2, name="Eich cynnig")).to_be_visible()
    bid_url = page.url

    def section(name: str) -> None:
        tab.click(page.locator(".govuk-task-list").get_by_role("link", name=name, exact=True))

    def save() -> None:
        tab.click(page.get_by_role("button", name="Cadw a dychwelyd i’ch cynnig"))
        expect(page.get_by_role("heading", level=2, name="Eich cynnig")).to_be_visible()

    section("Atebion i’r cwestiynau ansawdd")
    page.get_by_role("textbox").first.fill(
        "Byddwn yn cysylltu â phob menyw o fewn dau ddiwrnod gwaith, yn Gymraeg neu’n Saesneg, "
        "ac yn cynnal sesiwn galw heibio bob wythnos yng Nghaergybi."
    )
    save()
    section("Pris")
    page.get_by_label("Cyfanswm y pris").fill("-5")
    tab.click(page.get_by_role("button", name="Cadw a dychwelyd i’ch cynnig"))
    expect(error_summary(page).get_by_role("heading", level=2)).to_have_text("Mae problem wedi codi")
    expect(page.get_by_label("Cyfanswm y pris")).to_have_value("-5")  # what was typed is kept
    page.get_by_label("Cyfanswm y pris").fill("14,500")
    page.get_by_label("Nifer y bobl y byddwch yn eu cefnogi").fill("20")
    save()
    section("Gwerth cymdeithasol")
    page.get_by_role("textbox").first.fill("Bydd ein gwirfoddolwyr yn cael hyfforddiant achrededig.")
    save()
    section("Presenoldeb lleol")
    save()
    section("Datganiadau")
    for box in page.get_by_role("group", name="Cadarnhewch bob un o’r rhain").get_by_role("checkbox").all():
        box.check()
    save()

    tab.goto(bid_url)
    tab.click(page.locator(".govuk-task-list").get_by_role("link", name="Gwirio a chyflwyno"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gwiriwch eich cynnig cyn ei gyflwyno")
    tab.click(page.get_by_role("button", name="Cyflwyno’r cynnig"))
    expect(page.locator(".govuk-panel")).to_contain_text("Cynnig wedi’i gyflwyno")
    digest = re.search(r"\b[0-9a-f]{64}\b", page.locator("main").inner_text()).group(0)
    receipt = _latest_email(live_app, "elusen@demo.test")
    assert receipt.language == "cy" and digest in receipt.body

    # Back to English on the same page, without losing the place.
    receipt_url = page.url
    tab.click(page.get_by_role("link", name="English"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.split("?")[0] == receipt_url.split("?")[0]
    expect(page.locator(".govuk-panel")).to_contain_text("Bid submitted")
    expect(page.locator("main")).to_contain_text(digest)
