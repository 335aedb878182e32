"""Accessibility checks with axe-core, run inside the page under test.

axe.min.js comes from npm (`npm ci` installs it as a devDependency). It is injected with
page.evaluate(), which the DevTools protocol runs outside the page's Content-Security-Policy:
a <script> tag would be blocked, since the app only allows its own nonce.
"""

from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what GOV.UK services must meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN_AXE = """async (tags) => {
    const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        targets: v.nodes.map((n) => n.target.join(" ")),
    }));
}"""


@cache
def axe_source() -> str:
    if not AXE_PATH.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE_PATH.relative_to(ROOT)}). Run `npm ci` in {ROOT} "
            "to install it (it is a devDependency in package.json).",
            pytrace=False,
        )
    return AXE_PATH.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """The WCAG A/AA violations axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        lines.extend(f"    at {target}" for target in v["targets"])
    return "\n".join(lines)


def assert_accessible(page) -> None:
    found = violations(page)
    assert not found, f"axe found accessibility violations on {page.url} ({page.title()!r}):\n{describe(found)}"
