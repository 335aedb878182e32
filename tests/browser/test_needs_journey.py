"""Needs in a real browser, as issue 4's "Done when" describes them: the demo commissioner
posts a need with two lots and publishes it; the demo charity finds it by search and by
filter, follows it and asks a question; the commissioner publishes the answer, which the
charity and an anonymous visitor read without the asker being named; an amendment near
the deadline moves the closing time and emails the followers.

Every page visited is checked by `tab` (see conftest.py): GOV.UK Frontend's JavaScript ran,
no console errors, and no axe-core WCAG 2.2 A/AA violations, error pages included.
"""

import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.notifications import OutboxEmail
from marketplace.timeutil import LONDON, london, london_date, utcnow
from marketplace.workdays import add_working_days

from .conftest import DEMO_PASSWORD, give_demo_code

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails) every test, with the reason
    expect = None

pytestmark = pytest.mark.browser

COMMISSIONER = "commissioner@demo.test"
CHARITY = "charity@demo.test"
CHARITY_NAME = "Thanet Women's Centre"
CHARITY_PERSON = "Amira Hassan"

TITLE = "Peer mentoring into work for young adults in Thanet"
CATEGORY = "Education, training and employment"
QUESTION = "Can the mentors be people with lived experience of probation, if they are supervised by paid staff?"
ANSWER = "Yes. Mentors with lived experience are welcome when a paid member of staff supervises them."
# The smallest file the upload check takes for a PDF: it starts with %PDF-.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# Helpers ---------------------------------------------------------------------------------


def sign_in(tab, email: str, password: str = DEMO_PASSWORD) -> None:
    page = tab.page
    tab.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    tab.click(page.get_by_role("button", name="Sign in", exact=True))
    give_demo_code(tab, email)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello, "))


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")


def error_summary(page):
    return page.locator(".govuk-error-summary")


def service_navigation(page):
    return page.locator(".govuk-service-navigation")


def results(page):
    return page.locator("#results")


def task(tab, name: str) -> None:
    """Open a section from the need's task list."""
    tab.click(tab.page.locator(".govuk-task-list").get_by_role("link", name=name, exact=True))


def back_to_sections(tab) -> None:
    tab.click(tab.page.get_by_role("link", name="Back to the sections"))
    expect(tab.page.get_by_role("heading", level=2, name="Sections")).to_be_visible()


def fill_date(page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def outbox(live_app, to: str) -> list[tuple[str, str]]:
    """(subject, body) of every email queued to `to`, oldest first."""
    with live_app.app_context():
        rows = db.session.execute(
            sa.select(OutboxEmail.subject, OutboxEmail.body).where(OutboxEmail.to == to).order_by(OutboxEmail.id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def at_noon(day) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=LONDON)


# 1. The commissioner posts a need -------------------------------------------------------


def post_and_publish_need(tab) -> str:
    """Signed in as the commissioner: create the draft from the home page, fill every
    section, try to publish too early, finish, publish. Returns the public page's path."""
    page = tab.page
    today = london_date(utcnow())

    tab.click(page.get_by_role("button", name="Post a need"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a need")
    page.get_by_label("East Kent (Kent, Surrey & Sussex)").check()
    page.get_by_label("Title", exact=True).fill(TITLE)
    tab.click(page.get_by_role("button", name="Create draft"))

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(success_banner(page)).to_contain_text("Draft created.")
    expect(page.locator(".govuk-tag", has_text="Draft")).to_be_visible()
    manage_path = re.search(r"/needs/\d+/manage$", page.url).group(0)
    need_path = manage_path.removesuffix("/manage")

    # About the need.
    task(tab, "About the need")
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)
    page.get_by_label("Summary", exact=True).fill(
        "Trained peer mentors help young adults on probation in Thanet into training and work: "
        "weekly meetings, help with applications and support in the first months of a job."
    )
    page.get_by_label("East Kent", exact=True).check()
    page.get_by_label(CATEGORY, exact=True).check()
    page.get_by_label("Gains a qualification or accredited training", exact=True).check()
    page.get_by_label("Starts paid employment", exact=True).check()
    page.get_by_label("Who the service is for (cohort)").fill(
        "Adults aged 18 to 25 on probation in Thanet who are not in work"
    )
    page.get_by_label("Expected number of people").fill("45")
    page.get_by_label("Duration in months").fill("18")
    page.get_by_label("Grant", exact=True).check()
    tab.click(page.get_by_role("button", name="Save and continue"))
    expect(success_banner(page)).to_contain_text("About the need saved.")

    # Two lots: one reserved for VCSE organisations (below the threshold), one open to all.
    task(tab, "Lots")
    tab.click(page.get_by_role("button", name="Add a lot"))
    page.get_by_label("Lot title").fill("Mentoring in Margate")
    page.get_by_label("Description", exact=True).fill("One-to-one mentoring from a base in Margate.")
    page.get_by_label("Budget").fill("£60,000")
    page.get_by_label("Reserved for VCSE organisations").check()
    tab.click(page.get_by_role("button", name="Save lot"))
    expect(success_banner(page)).to_contain_text("Lot saved.")

    tab.click(page.get_by_role("button", name="Add a lot"))
    page.get_by_label("Lot title").fill("Employer partnerships across Thanet")
    page.get_by_label("Description", exact=True).fill("Work placements and job offers from local employers.")
    page.get_by_label("Budget").fill("250000")
    page.get_by_label("Reserved for VCSE organisations").check()
    tab.click(page.get_by_role("button", name="Save lot"))
    # Over the threshold a lot cannot be reserved: the error by the field, the input kept.
    expect(page).to_have_title(re.compile(r"^Error: Add a lot"))
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["A lot can be reserved only when its budget is below £214,904: choose 'Open to all' or lower the budget"]
    )
    expect(page.get_by_label("Budget")).to_have_value("250000")
    page.get_by_label("Open to all").check()
    tab.click(page.get_by_role("button", name="Save lot"))
    lots = page.locator(".govuk-summary-list")
    expect(lots.locator(".govuk-summary-list__key")).to_have_text(
        ["Lot 1: Mentoring in Margate", "Lot 2: Employer partnerships across Thanet"]
    )
    expect(lots.locator(".govuk-summary-list__value")).to_have_text(
        ["£60,000Reserved for VCSE organisations", "£250,000Open to all"]
    )
    expect(page.get_by_role("main")).to_contain_text("Total value: £310,000")

    # Publishing now, with three sections unfinished, lists every problem at once.
    back_to_sections(tab)
    tab.click(page.get_by_role("link", name="Check your answers and publish"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before publishing")
    tab.click(page.get_by_role("button", name="Publish the need"))
    expect(page).to_have_title(re.compile(r"^Error: Check your answers"))
    summary = error_summary(page)
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Add 1 to 5 quality questions",
            "Enter the weight for social value",
            "Enter the weight for price",
            "Set the payment profile",
            "Set the question deadline and closing time",
        ]
    )
    expect(summary).to_be_focused()
    expect(page.locator(".govuk-tag", has_text="Draft")).to_be_visible()

    # Each problem links to its section.
    tab.click(summary.get_by_role("link", name="Add 1 to 5 quality questions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluation criteria")
    tab.click(page.get_by_role("button", name="Add a quality question"))
    page.get_by_label("Quality question").fill("How will you keep in touch with young adults who miss meetings?")
    page.get_by_label("Weight", exact=True).fill("60")
    page.get_by_label("Word limit").fill("400")
    tab.click(page.get_by_role("button", name="Save question"))
    expect(success_banner(page)).to_contain_text("Quality question saved.")
    page.get_by_label("Social value weight").fill("20")
    page.get_by_label("Price weight").fill("20")
    tab.click(page.get_by_role("button", name="Save weights"))
    expect(success_banner(page)).to_contain_text("Weights saved.")
    expect(page.get_by_role("row", name="Total")).to_contain_text("100%")
    back_to_sections(tab)

    task(tab, "Conditions of participation")
    page.get_by_label("A constituted organisation (with a governing document)").check()
    page.get_by_label("A safeguarding policy").check()
    page.get_by_label("A process for DBS checks of staff and volunteers").check()
    page.get_by_label("Lowest cost per person (optional)").fill("400")
    tab.click(page.get_by_role("button", name="Save and continue"))
    expect(success_banner(page)).to_contain_text("Conditions of participation saved.")

    # An advance of 25% and two milestones: 25 + 35 + 40 = 100.
    task(tab, "Payment profile")
    page.get_by_label("Advance at contract start").fill("25")
    for number, title, percent, month in (
        (1, "Mentors recruited, first meetings held", 35, 3),
        (2, "Final report", 40, 18),
    ):
        row = page.get_by_role("group", name=f"Milestone {number}", exact=True)
        row.get_by_label("Title").fill(title)
        row.get_by_label("Percentage of the lot's value").fill(str(percent))
        row.get_by_label("Due in month").fill(str(month))
    tab.click(page.get_by_role("button", name="Save and continue"))
    expect(success_banner(page)).to_contain_text("Payment profile saved.")
    lot_1 = page.locator("table", has=page.get_by_text("Lot 1: Mentoring in Margate (£60,000)"))
    expect(lot_1.locator("tbody td.govuk-table__cell--numeric")).to_have_text(["£15,000", "£21,000", "£24,000"])
    back_to_sections(tab)

    # Dates: questions until 8 working days from today, closing 12 working days from today.
    question_day, closing_day = add_working_days(today, 8), add_working_days(today, 12)
    task(tab, "Dates")
    fill_date(page, "Question deadline", question_day)
    page.get_by_label("Time of the question deadline").fill("12:00")
    fill_date(page, "Closing date", closing_day)
    page.get_by_label("Closing time", exact=True).fill("14:00")
    tab.click(page.get_by_role("button", name="Save and continue"))
    expect(success_banner(page)).to_contain_text("Dates saved.")

    task(tab, "Documents")
    page.get_by_label("Upload a document").set_input_files(
        {"name": "specification.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    tab.click(page.get_by_role("button", name="Upload", exact=True))
    expect(success_banner(page)).to_contain_text("specification.pdf uploaded.")
    expect(page.get_by_role("link", name="specification.pdf", exact=True)).to_be_visible()
    back_to_sections(tab)

    tasks = page.locator(".govuk-task-list__item")
    for name in (
        "About the need",
        "Lots",
        "Evaluation criteria",
        "Conditions of participation",
        "Payment profile",
        "Dates",
        "Documents",
    ):
        expect(tasks.filter(has_text=name)).to_contain_text("Completed")

    # Check your answers, then publish.
    tab.click(page.get_by_role("link", name="Check your answers and publish"))
    expect(page).to_have_title("Check your answers - Local Partners")
    expect(error_summary(page)).to_have_count(0)
    main = page.get_by_role("main")
    closes_at = datetime.combine(closing_day, time(14, 0), tzinfo=LONDON)
    for key, value in (
        ("Title", TITLE),
        ("Delivery units covered", "East Kent"),
        ("Service category", CATEGORY),
        ("Expected number of people", "45"),
        ("Duration", "18 months"),
        ("Procedure", "Grant"),
        ("Lot 1: Mentoring in Margate", "£60,000. Reserved for VCSE organisations"),
        ("Lot 2: Employer partnerships across Thanet", "£250,000. Open to all"),
        ("Total value", "£310,000"),
        ("Question 1", "(weight 60%, up to 400 words)"),
        ("Total", "100%"),
        ("Lowest cost per person", "£400"),
        ("Advance at contract start", "25%"),
        ("Milestone 2: Final report", "40%, due in month 18"),
        ("Question deadline", london(at_noon(question_day))),
        ("Closing time", london(closes_at)),
        ("Documents", "specification.pdf"),
    ):
        row = main.locator(".govuk-summary-list__row").filter(
            has=page.locator(".govuk-summary-list__key", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
        )
        expect(row.locator(".govuk-summary-list__value")).to_contain_text(value)
    tab.click(page.get_by_role("button", name="Publish the need"))

    expect(page).to_have_url(re.compile(rf"{manage_path}$"))
    expect(success_banner(page)).to_contain_text(
        f"Need published. Providers can find it and bid until {london(closes_at)}."
    )
    expect(page.locator(".govuk-tag", has_text="Open")).to_be_visible()

    # Its public page, and the public list.
    tab.click(page.get_by_role("link", name="See the need as providers see it"))
    expect(page).to_have_url(re.compile(rf"{need_path}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    tab.click(page.get_by_role("link", name="All open needs"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a need to bid for")
    expect(results(page).get_by_role("link", name=TITLE)).to_be_visible()
    return need_path


# 2. The charity finds it, follows it and asks a question -------------------------------


def find_follow_and_ask(tab, need_path: str) -> None:
    page = tab.page
    tab.click(service_navigation(page).get_by_role("link", name="Find a need"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a need to bid for")

    # By words.
    page.get_by_label("Search words").fill("mentoring young adults Thanet")
    tab.click(page.get_by_role("button", name="Apply filters"))
    expect(page.locator("#count")).to_have_text("1 open need")
    expect(results(page).get_by_role("heading", level=3)).to_have_text([TITLE])

    # By filters: region and service category (the demo needs are in other categories).
    tab.click(page.get_by_role("link", name="Clear filters"))
    expect(page.get_by_label("Search words")).to_have_value("")
    page.get_by_label("Region").select_option(label="Kent, Surrey & Sussex")
    page.get_by_label("Service category").select_option(label=CATEGORY)
    tab.click(page.get_by_role("button", name="Apply filters"))
    expect(page).to_have_url(re.compile(r"/needs\?.*category="))
    expect(results(page).get_by_role("link", name=TITLE)).to_be_visible()
    expect(results(page).get_by_role("link", name="Women's centre support in East Kent")).to_have_count(0)
    entry = results(page).get_by_role("listitem").filter(has=page.get_by_role("link", name=TITLE))
    expect(entry).to_contain_text("Reserved for VCSE organisations")
    expect(entry).to_contain_text("£310,000")

    tab.click(results(page).get_by_role("link", name=TITLE))
    expect(page).to_have_url(re.compile(rf"{need_path}$"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=3, name="Lot 1: Mentoring in Margate")).to_be_visible()
    expect(main.get_by_role("link", name="specification.pdf")).to_be_visible()

    tab.click(page.get_by_role("button", name="Follow this need"))
    expect(success_banner(page)).to_contain_text("You are following this need.")
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()

    tab.click(page.get_by_role("link", name="Ask a question"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a question")
    page.get_by_label("Your question").fill(QUESTION)
    tab.click(page.get_by_role("button", name="Send question"))
    expect(page.locator(".govuk-panel__title")).to_have_text("Your question has been sent")
    expect(page.get_by_role("main")).to_contain_text(QUESTION)


# 3. The commissioner publishes the answer ----------------------------------------------


def answer_and_publish(tab) -> None:
    page = tab.page
    tab.goto("/")
    action = page.get_by_role("listitem").filter(has_text="1 question waiting for an answer")
    tab.click(action.get_by_role("link", name=TITLE))
    tab.click(page.get_by_role("link", name="1 question waiting for an answer"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions from providers")
    # The commissioner, and only the commissioner, sees who asked.
    tab.click(page.get_by_role("link", name=f"Answer the question from {CHARITY_NAME}"))
    expect(page.get_by_role("main")).to_contain_text(f"Asked by {CHARITY_NAME}")
    expect(page.get_by_role("main")).to_contain_text(QUESTION)
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_label("Publish the answer to everyone (the question is shown without saying who asked)").check()
    tab.click(page.get_by_role("button", name="Send answer"))
    expect(success_banner(page)).to_contain_text("Answer published.")
    expect(page.get_by_role("heading", level=2, name="Answered (1)")).to_be_visible()


def expect_anonymised_answer(tab, need_path: str) -> None:
    page = tab.page
    tab.goto(need_path)
    questions = page.locator("#questions")
    expect(questions.get_by_role("heading", level=3)).to_have_text(["Question 1"])
    expect(questions).to_contain_text(QUESTION)
    expect(questions).to_contain_text(ANSWER)
    # The service navigation names the signed-in charity; the page itself never does.
    main = page.get_by_role("main")
    for name in (CHARITY_NAME, CHARITY_PERSON):
        expect(main).not_to_contain_text(name)


def test_commissioner_posts_a_need_and_a_charity_finds_follows_asks_and_reads_the_answer(tab, another_tab, live_app):
    sign_in(tab, COMMISSIONER)
    need_path = post_and_publish_need(tab)

    charity = another_tab()
    sign_in(charity, CHARITY)
    find_follow_and_ask(charity, need_path)

    answer_and_publish(tab)

    expect_anonymised_answer(charity, need_path)
    assert ("New answer on " + TITLE) in [subject for subject, _ in outbox(live_app, CHARITY)]

    visitor = another_tab()
    expect_anonymised_answer(visitor, need_path)
    expect(visitor.page.locator("body")).not_to_contain_text(CHARITY_NAME)
    # Published, the document is open to anyone, through the permission-checked route.
    href = visitor.page.get_by_role("link", name="specification.pdf").get_attribute("href")
    response = visitor.page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body() == PDF


# 4. An amendment near the deadline -------------------------------------------------------

LATE_TITLE = "Debt and benefits advice in East Kent"


def make_need_closing_in_two_working_days(live_app) -> tuple[int, datetime]:
    """An open need of the demo commissioner's, published three weeks ago and closing at
    midday two working days from today: set up in the database, as the demo data is, since
    publishing through the service insists on 10 working days. Returns (id, closes_at)."""
    from marketplace.accounts.services import find_user
    from marketplace.needs import drafting
    from marketplace.needs.models import Reservation
    from marketplace.reference.models import Area, DesiredOutcome, ServiceCategory

    today = london_date(utcnow())
    with live_app.app_context():
        commissioner = find_user(COMMISSIONER)
        east_kent = db.session.scalar(sa.select(Area).where(Area.code == "N57EKNT"))
        finance = db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == "finance"))
        outcomes = db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.category_id == finance.id)).all()
        need = drafting.create_need(area=east_kent, title=LATE_TITLE, actor=commissioner)
        drafting.update_about(
            need,
            title=LATE_TITLE,
            summary="Drop-in advice on debt and benefits at the probation offices in Canterbury and Margate.",
            pdus=[east_kent],
            category=finance,
            outcomes=outcomes[:1],
            cohort="Adults on probation in East Kent with debts or benefit problems",
            expected_people=60,
            duration_months=12,
            procedure="grant",
        )
        drafting.save_lot(
            need,
            title="Advice sessions",
            description="Two sessions a week.",
            value_pence=4_000_000,
            reservation=Reservation.NONE,
        )
        drafting.save_criterion(
            need, question="How will you reach people who do not ask for help?", weight=60, word_limit=300
        )
        drafting.set_weights(need, social_value_weight=20, price_weight=20)
        drafting.set_payment_profile(need, advance_percent=20, milestones=[("Final report", 80, 12)])
        need.question_deadline = at_noon(add_working_days(today, 1))
        need.closes_at = at_noon(add_working_days(today, 2))
        need.published_at = utcnow() - timedelta(days=21)
        db.session.commit()
        found = (need.id, need.closes_at)
        db.session.remove()
    return found


def test_an_amendment_near_the_deadline_moves_the_closing_time_and_tells_followers(tab, another_tab, live_app):
    need_id, closes_before = make_need_closing_in_two_working_days(live_app)
    closes_after = at_noon(add_working_days(london_date(utcnow()), 5))
    reason = "We expect more people to be referred after the new court in Margate opens."

    # The charity follows the need.
    charity = another_tab()
    sign_in(charity, CHARITY)
    charity.goto(f"/needs/{need_id}")
    expect(charity.page.get_by_role("main")).to_contain_text(
        f"Closes at {london(closes_before)} (closes in 2 working days)"
    )
    charity.click(charity.page.get_by_role("button", name="Follow this need"))
    expect(success_banner(charity.page)).to_contain_text("You are following this need.")

    # The commissioner changes the expected number of people, from the home page's
    # "closing this week" list, through the section's page, with a reason.
    page = tab.page
    sign_in(tab, COMMISSIONER)
    closing_this_week = page.get_by_role("listitem").filter(has_text=f"closes at {london(closes_before)}")
    tab.click(closing_this_week.get_by_role("link", name=LATE_TITLE).first)
    expect(page.get_by_role("heading", level=1)).to_have_text(LATE_TITLE)
    task(tab, "About the need")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Saving publishes an amendment")
    page.get_by_label("Expected number of people").fill("75")
    # Without a reason, nothing is saved.
    tab.click(page.get_by_role("button", name="Save and continue"))
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter the reason for the change"])
    expect(page.get_by_label("Expected number of people")).to_have_value("75")
    page.get_by_label("Reason for the change").fill(reason)
    tab.click(page.get_by_role("button", name="Save and continue"))

    expect(page).to_have_url(re.compile(rf"/needs/{need_id}/manage$"))
    expect(success_banner(page)).to_contain_text(
        "About the need saved. Providers following the need have been told. "
        f"The closing time has moved to {london(closes_after)} so that at least 5 working days remain."
    )

    # The need page: the new closing time, and the change in its dated list.
    tab.click(page.get_by_role("link", name="See the need as providers see it"))
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"Closes at {london(closes_after)} (closes in 5 working days)")
    for key, value in (("Closing time", london(closes_after)), ("Expected number of people", "75")):
        row = main.locator(".govuk-summary-list__row", has=page.locator(".govuk-summary-list__key", has_text=key))
        expect(row.locator(".govuk-summary-list__value")).to_have_text(value)
    changes = page.locator("#amendments + ul > li")
    expect(changes).to_have_count(1)
    today = london_date(utcnow())
    expect(changes.get_by_role("heading", level=3)).to_contain_text(f"on {today.day} {today:%B %Y}")
    change_row = changes.locator("tr", has=page.locator("th", has_text="Expected number of people"))
    expect(change_row.locator("td")).to_have_text(["60", "75"])
    expect(changes).to_contain_text("Bids already submitted on every lot must be confirmed again.")
    expect(changes).to_contain_text(f"The closing time moved from {london(closes_before)} to {london(closes_after)}.")
    expect(changes).to_contain_text(f"Reason: {reason}")

    # The follower is emailed.
    emails = [(s, b) for s, b in outbox(live_app, CHARITY) if s == f"Change to {LATE_TITLE}"]
    assert len(emails) == 1, outbox(live_app, CHARITY)
    body = emails[0][1]
    assert reason in body
    assert f"it now closes at {london(closes_after)}" in body
    assert f"/needs/{need_id}" in body
