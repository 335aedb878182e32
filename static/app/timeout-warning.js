// The GOV.UK timeout warning for staff, whose sessions end after 30 minutes without a
// request (marketplace/accounts/sessions.py). Two minutes before, a modal dialog offers
// to stay signed in; typing into a form counts as activity, so a long answer being
// written does not time out. When the time is up, the page goes to sign in.
const settings = document.getElementById("timeout-warning");
if (settings && "content" in settings && typeof HTMLDialogElement === "function") {
  const warnBefore = Number(settings.dataset.warnBefore) * 1000;
  const keepAliveUrl = settings.dataset.keepAlive;
  const signInUrl = settings.dataset.signIn;
  let endsAt = Date.now() + Number(settings.dataset.secondsLeft) * 1000;
  let lastPing = Date.now();
  let timer = null;
  let dialog = null;

  // "1 minute" and "%(count)s minutes" in the page's language, from the template.
  const minutes = (ms) => {
    const m = Math.max(1, Math.ceil(ms / 60000));
    return m === 1 ? settings.dataset.oneMinute : settings.dataset.minutes.replace("%(count)s", String(m));
  };

  const stay = async () => {
    lastPing = Date.now();
    try {
      const response = await fetch(keepAliveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = response.ok ? await response.json() : null;
      if (!body || body.seconds_left === null) {
        window.location.assign(signInUrl);
        return;
      }
      endsAt = Date.now() + body.seconds_left * 1000;
    } catch (error) {
      return; // offline for a moment: the countdown goes on
    }
    if (dialog) {
      dialog.close();
      dialog.remove();
      dialog = null;
    }
    schedule();
  };

  const show = () => {
    document.body.appendChild(settings.content.cloneNode(true));
    dialog = document.body.lastElementChild;
    dialog.querySelector("[data-stay]").addEventListener("click", stay);
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); stay(); });
    dialog.showModal();
  };

  const schedule = () => {
    clearTimeout(timer);
    const left = endsAt - Date.now();
    if (left <= 0) {
      window.location.assign(signInUrl);
      return;
    }
    if (left <= warnBefore) {
      if (!dialog) show();
      dialog.querySelector("[data-countdown]").textContent = minutes(left);
      timer = setTimeout(schedule, 1000);
    } else {
      timer = setTimeout(schedule, left - warnBefore);
    }
  };

  document.addEventListener("input", () => {
    if (Date.now() - lastPing > 5 * 60 * 1000) stay();
  });
  schedule();
}
