import re, html
from .. import factories
from ..helpers import sign_in, page_text

def _text(r):
    h = page_text(r)
    h = h.split("<main",1)[1].split("</main>")[0] if "<main" in h else h
    h = re.sub(r"<script.*?</script>", "", h, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", h)))

def test_look(client, db_session):
    out = []
    for url in ["/?lang=cy", "/sign-in", "/register", "/password/forgot", "/privacy", "/cookies", "/accessibility", "/open-data", "/nope"]:
        out.append((url, _text(client.get(url))))
    user = factories.make_provider()
    sign_in(client, user.email)
    for url in ["/", "/account", "/account/emails", f"/organisations/{user.organisations[0].id}", f"/organisations/{user.organisations[0].id}/edit", f"/organisations/{user.organisations[0].id}/people"]:
        out.append((url, _text(client.get(url))))
    with open("/tmp/cyacc/look.txt", "w") as f:
        for u, t in out: f.write(f"== {u}\n{t}\n\n")
