// The patient app: boot, routes, tabs and the connection indicator.
import * as api from "./api.js";
import { kv, queue } from "./db.js";
import { h, show } from "./dom.js";
import { setLanguage, t } from "./i18n.js";
import { flush, pending } from "./queue.js";
import * as screens from "./screens.js";
import { setTemperatureUnit, temperatureUnit } from "./units.js";

const PUBLIC = {
  "#/sign-in": () => screens.signIn(signedIn),
  "#/activate": () => screens.activate(signedIn),
};
const PRIVATE = {
  "#/today": screens.today,
  "#/check-in": screens.checkIn,
  "#/checklist": screens.checklist,
  "#/milestones": screens.milestones,
  "#/questionnaires": screens.questionnaires,
  "#/inbox": screens.inbox,
  "#/settings": () => screens.settings(signedOut),
};
const TABS = [
  ["#/today", "today"], ["#/check-in", "checkIn"], ["#/checklist", "checklist"],
  ["#/milestones", "milestones"], ["#/questionnaires", "questionnaires"], ["#/inbox", "inbox"],
  ["#/settings", "settings"],
];

// The patient's language is a server preference (issue 19): read at sign-in, so the app speaks
// the language the server's advice and reminders come in.
async function signedIn() {
  try {
    const me = await api.get("me/");
    if (me && me.language) {
      setLanguage(me.language);
      await kv.set("language", me.language);
    }
    // The temperature unit is a server preference too (issue 19): the form and hints use it.
    const prefs = await api.get("me/preferences/");
    if (prefs && prefs.temperature_unit) {
      setTemperatureUnit(prefs.temperature_unit);
      await kv.set("temperature_unit", temperatureUnit());
    }
  } catch (error) {
    // The device's language stays; Today shows the error if the API is down.
  }
  location.hash = "#/today";
  route();
}

async function signedOut() {
  await queue.clear();
  location.hash = "#/sign-in";
  route();
}

function renderTabs(current) {
  const nav = document.getElementById("tabs");
  nav.hidden = false;
  nav.replaceChildren(h("ul", {}, TABS.map(([hash, key]) => h("li", {},
    h("a", {
      href: hash,
      "aria-current": hash === current ? "page" : null,
      // The same tab again (e.g. Check-in while its advice shows) starts that screen anew.
      onClick: () => { if (location.hash === hash) route(); },
    }, t(key))))));
}

async function renderNet() {
  const waiting = (await pending()).length;
  const parts = [];
  if (!navigator.onLine) parts.push(t("offline"));
  if (waiting) parts.push(t("pending_n", { n: waiting }));
  document.getElementById("net").textContent = parts.join(" · ");
}

async function route() {
  document.body.classList.remove("emergency-mode");
  const hash = location.hash || "#/today";
  if (PUBLIC[hash]) {
    document.getElementById("tabs").hidden = true;
    PUBLIC[hash]();
    return;
  }
  if (!(await api.hasSession())) {
    location.hash = "#/sign-in";
    return;
  }
  const screen = PRIVATE[hash] || PRIVATE["#/today"];
  renderTabs(PRIVATE[hash] ? hash : "#/today");
  try {
    await screen();
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 401) {
      location.hash = "#/sign-in";
      return;
    }
    show(h("h1", {}, t("error", { message: "" })), h("p", { role: "alert" }, error.message));
  }
}

async function boot() {
  setLanguage((await kv.get("language")) || (navigator.language || "en").slice(0, 2));
  setTemperatureUnit(await kv.get("temperature_unit"));
  window.addEventListener("hashchange", route);
  window.addEventListener("online", () => { renderNet(); flush().then(renderNet).catch(() => {}); });
  window.addEventListener("offline", renderNet);
  document.addEventListener("queuechange", renderNet);
  document.addEventListener("languagechange", () => renderTabs(location.hash));
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/app/" }).catch(() => {});
  }
  // Cache the emergency answers while online, for a check-in made offline later.
  api.publicGet("triage/emergency-answers/").catch(() => {});
  await renderNet();
  await route();
  if (navigator.onLine && (await api.hasSession())) flush().catch(() => {});
}

boot();
