"""The GOV.UK timeout warning in a real browser: a commissioner's page, left alone for 28
minutes (the browser's clock moved on by Playwright), shows the modal warning; "Stay
signed in" keeps the session and closes it. Checked with axe while it is open."""

import re

import pytest

from . import axe
from .test_needs_journey import COMMISSIONER, expect, sign_in

pytestmark = pytest.mark.browser


def test_staff_are_warned_before_the_idle_time_out_and_can_stay_signed_in(tab):
    page = tab.page
    page.clock.install()
    sign_in(tab, COMMISSIONER)
    dialog = page.get_by_role("dialog", name="You're about to be signed out")
    expect(dialog).to_have_count(0)
    page.clock.fast_forward("28:30")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(r"we will sign you out in 2 minutes"))
    axe.assert_accessible(page)
    with page.expect_response(re.compile(r"/session/keep-alive$")) as kept:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert kept.value.ok
    expect(dialog).to_have_count(0)
    tab.assert_no_console_errors()
