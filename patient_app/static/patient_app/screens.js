// The screens. Each one renders into <main> with show(); navigation is by location.hash.
import * as api from "./api.js";
import { kv } from "./db.js";
import { h, nextId, renderer, show, uuid } from "./dom.js";
import { LANGUAGES, currentLanguage, say, setLanguage, t } from "./i18n.js";
import { FIELD_GROUP, GROUPS } from "./questions.js";
import { enqueue, flush, pending } from "./queue.js";
import { pushAvailable, pushSubscribe, pushUnsubscribe } from "./push.js";
import { FEVER_C, TEMPERATURE_RANGE, formatTemperature, setTemperatureUnit, temperatureHints, temperatureUnit } from "./units.js";

const SEVERITY_RANK = { routine: 1, urgent: 2, emergency: 3 };
export const emergencyNumber = () => document.body.dataset.emergencyNumber || "911";

function go(route) {
  if (location.hash === route) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = route;
}

function errorBox(error) {
  const fields = (error.body && error.body.extra && error.body.extra.fields) || {};
  const details = Object.entries(fields).map(([name, messages]) => h("li", {}, `${name}: ${[].concat(messages).join(" ")}`));
  return h("div", { class: "alert", role: "alert" }, t("error", { message: error.message }), details.length ? h("ul", {}, details) : null);
}

function field(labelText, input) {
  const id = input.id || nextId();
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, labelText), input);
}

function localDate(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// --- Sign-in and activation -------------------------------------------------------------

export function signIn(onDone) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const status = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "stack", onSubmit: async (event) => {
    event.preventDefault();
    status.replaceChildren();
    try {
      await api.signIn(username.value.trim(), password.value);
      onDone();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  } },
  field(t("username"), username), field(t("password"), password), status,
  h("button", { type: "submit", class: "primary" }, t("signIn")));
  show(h("h1", {}, t("signInTitle")), form, h("p", {}, h("a", { href: "#/activate", class: "link" }, t("haveCode"))));
}

export function activate(onDone) {
  const code = h("input", { name: "activation_code", autocomplete: "one-time-code", required: true, autocapitalize: "characters" });
  const username = h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true });
  const status = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "stack", onSubmit: async (event) => {
    event.preventDefault();
    status.replaceChildren();
    try {
      await api.activate(code.value.trim(), username.value.trim(), password.value);
      onDone();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  } },
  field(t("activationCode"), code), field(t("chooseUsername"), username), field(t("choosePassword"), password),
  status, h("button", { type: "submit", class: "primary" }, t("activate")));
  show(h("h1", {}, t("activateTitle")), form, h("p", {}, h("a", { href: "#/sign-in", class: "link" }, t("haveAccount"))));
}

// --- Today ------------------------------------------------------------------------------

async function settled(promise) {
  try { return await promise; } catch (error) { if (error instanceof api.ApiError && error.status === 401) throw error; return null; }
}

export async function today() {
  const show = renderer();
  const [me, checkins, checklist, milestones, due, queued] = await Promise.all([
    settled(api.get("me/")), settled(api.get("me/check-ins/")), settled(api.get("me/checklist/")),
    settled(api.get("me/milestones/?status=pending")), settled(api.get("me/questionnaires/due/")), pending(),
  ]);
  const latest = checkins && checkins.results && checkins.results[0];
  const doneToday = (latest && localDate(new Date(latest.recorded_at)) === localDate()) ||
    queued.some((item) => item.kind === "checkin");
  const items = (checklist && checklist.items) || [];
  const goals = ((milestones && milestones.results) || []).filter((m) => m.self_report);
  const questionnaires = (due && due.results) || [];
  const flags = (latest && latest.flags) || [];
  show(
    h("h1", {}, t("today")),
    me ? h("p", { class: "lead" }, `${me.first_name}`, me.postop_day != null ? ` · ${t("dayAfterSurgery", { n: me.postop_day })}` : "") : null,
    h("section", { class: "card", "aria-labelledby": "today-checkin" },
      h("h2", { id: "today-checkin" }, t("checkIn")),
      h("p", {}, doneToday ? t("checkInDone") : t("checkInDue")),
      queued.length ? h("p", { class: "waiting" }, t("pending_n", { n: queued.length })) : null,
      h("a", { href: "#/check-in", class: "button primary" }, t("startCheckIn"))),
    h("section", { class: "card", "aria-labelledby": "today-checklist" },
      h("h2", { id: "today-checklist" }, t("checklist")),
      items.length ? h("ul", { class: "plain" }, items.slice(0, 5).map((item) => h("li", {}, item.entry ? "✓ " : "○ ", item.title))) : h("p", {}, t("noItems")),
      h("a", { href: "#/checklist", class: "button" }, t("checklist"))),
    goals.length ? h("section", { class: "card", "aria-labelledby": "today-milestones" },
      h("h2", { id: "today-milestones" }, t("milestones")),
      h("ul", { class: "plain" }, goals.slice(0, 3).map((m) => h("li", {}, m.title))),
      h("a", { href: "#/milestones", class: "button" }, t("milestones"))) : null,
    questionnaires.length ? h("section", { class: "card", "aria-labelledby": "today-q" },
      h("h2", { id: "today-q" }, t("questionnaires")),
      h("ul", { class: "plain" }, questionnaires.map((q) => h("li", {}, q.instrument_name))),
      h("a", { href: "#/questionnaires", class: "button" }, t("questionnaires"))) : null,
    h("section", { class: "card", "aria-labelledby": "today-advice" },
      h("h2", { id: "today-advice" }, t("latestAdvice")),
      flags.length ? h("ul", { class: "plain" }, flags.map((f) => h("li", {}, f.advice))) : h("p", {}, t("noAdvice"))),
  );
}

// --- Check-in ---------------------------------------------------------------------------

function questionInput(q, unit) {
  const id = nextId(q.field);
  if (q.type === "bool") {
    const box = h("input", { type: "checkbox", id, name: q.field });
    return { node: h("div", { class: "check" }, box, h("label", { for: id }, say(q.text))), read: () => box.checked };
  }
  if (q.type === "scale") {
    const out = h("output", { for: id, class: "scale-value" }, "–");
    const range = h("input", { type: "range", id, name: q.field, min: q.min, max: q.max, step: 1, value: 0, "aria-valuetext": "not answered" });
    let touched = false;
    range.addEventListener("input", () => { touched = true; out.textContent = range.value; range.setAttribute("aria-valuetext", range.value); });
    return { node: h("div", { class: "field" }, h("label", { for: id }, say(q.text)), h("div", { class: "scale" }, range, out)), read: () => (touched ? Number(range.value) : null) };
  }
  if (q.type === "number") {
    const input = h("input", { type: "number", inputmode: "numeric", id, name: q.field, min: q.min, max: q.max, step: 1 });
    return { node: field(say(q.text), input), read: () => (input.value === "" ? null : Number(input.value)) };
  }
  if (q.type === "temperature") {
    // In the patient's unit (issue 19), with the range the server accepts as the hint.
    const [min, max] = TEMPERATURE_RANGE[unit];
    const hints = temperatureHints(unit, currentLanguage());
    const hintId = `${id}-hint`;
    const input = h("input", { type: "number", inputmode: "decimal", id, name: "temperature", step: "0.1", min, max, "aria-describedby": hintId, "data-unit": unit });
    const node = field(`${say(q.text)} (°${unit})`, input);
    node.append(h("p", { class: "detail", id: hintId }, t("temperatureHint", hints)));
    return { node, read: () => (input.value === "" ? null : Number(input.value)) };
  }
  if (q.type === "choice") {
    const select = h("select", { id, name: q.field }, h("option", { value: "" }, "—"), q.options.map(([value, text]) => h("option", { value }, say(text))));
    return { node: field(say(q.text), select), read: () => select.value || null };
  }
  const area = h("textarea", { id, name: q.field, rows: 3, maxlength: 2000 });
  return { node: field(say(q.text), area), read: () => area.value.trim() || null };
}

function gate(group, onChange) {
  const name = `gate-${group.key}`;
  const no = h("input", { type: "radio", name, value: "no", id: `${name}-no`, checked: true });
  const yes = h("input", { type: "radio", name, value: "yes", id: `${name}-yes` });
  no.addEventListener("change", () => onChange(false));
  yes.addEventListener("change", () => onChange(true));
  return h("fieldset", { class: "gate" }, h("legend", {}, say(group.gate)),
    h("div", { class: "choices" },
      h("div", { class: "choice" }, no, h("label", { for: `${name}-no` }, t("no"))),
      h("div", { class: "choice" }, yes, h("label", { for: `${name}-yes` }, t("yes")))));
}

export async function checkIn() {
  const show = renderer();
  const unit = temperatureUnit();
  await emergencyAnswers(); // cached now, for a check-in sent offline later
  const readers = [];
  const sections = GROUPS.map((group) => {
    const more = h("div", { class: "more", hidden: true });
    const open = { value: false };
    const always = group.always.map((q) => { const input = questionInput(q, unit); readers.push({ q, group: group.key, always: true, ...input }); return input.node; });
    for (const q of group.more) { const input = questionInput(q, unit); readers.push({ q, group: group.key, always: false, open, ...input }); more.append(input.node); }
    return h("section", { class: "card group", "aria-labelledby": `g-${group.key}`, "data-group": group.key },
      h("h2", { id: `g-${group.key}` }, say(group.title)), always,
      gate(group, (value) => { open.value = value; more.hidden = !value; }), more);
  });
  const photo = photoStep(await settled(api.get("me/wound-photos/prompt/")));
  const status = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "stack", onSubmit: async (event) => {
    event.preventDefault();
    const body = { id: uuid(), recorded_at: new Date().toISOString() };
    for (const r of readers) {
      if (!r.always && !r.open.value) {
        // The patient said nothing is wrong in this group: its yes/no questions are "no".
        if (r.q.type === "bool" && !r.q.openOnly) body[r.q.field] = false;
        continue;
      }
      const value = r.read();
      if (value === null) continue;
      if (r.q.field === "temperature") body[unit === "F" ? "temperature_f" : "temperature_c"] = value;
      else body[r.q.field] = value;
    }
    await submitCheckIn(body, photo.read());
  } }, sections, photo.node, status, h("button", { type: "submit", class: "primary" }, t("send")));
  show(h("h1", {}, t("checkIn")), form);
}

// The "photo" step (issue 21): the phone's camera, with the photo instructions of today's
// prompt [R179]. Optional; the photo is queued like a check-in and linked to it.
function photoStep(prompt) {
  const id = nextId("photo");
  const input = h("input", { type: "file", id, name: "photo", accept: "image/*", capture: "environment" });
  const chosen = h("p", { class: "ok", "aria-live": "polite" });
  let takenAt = null;
  input.addEventListener("change", () => {
    takenAt = new Date().toISOString();
    chosen.textContent = input.files.length ? t("photoReady") : "";
  });
  const instructions = (prompt && prompt.instructions) || [];
  const node = h("section", { class: "card", "aria-labelledby": "g-photo", "data-group": "photo" },
    h("h2", { id: "g-photo" }, t("photoTitle")),
    h("p", {}, prompt && prompt.due_today ? t("photoDue") : t("photoOptional")),
    instructions.length ? h("ul", { class: "tips" }, instructions.map((text) => h("li", {}, text))) : null,
    h("div", { class: "field" }, h("label", { for: id }, t("photoTake")), input), chosen);
  const read = () => {
    const file = input.files && input.files[0];
    return file ? { file, taken_at: takenAt || new Date().toISOString() } : null;
  };
  return { node, read };
}

async function emergencyAnswers() {
  try {
    const data = await api.publicGet("triage/emergency-answers/");
    return new Map(data.answers.map((a) => [a.fact, a.advice]));
  } catch (error) {
    return new Map();
  }
}

async function submitCheckIn(body, photo) {
  // An emergency answer shows the emergency screen at once, online or not (the server's list).
  const emergencies = await emergencyAnswers();
  const local = Object.entries(body).filter(([name, value]) => value === true && emergencies.has(name)).map(([name]) => emergencies.get(name));
  await enqueue("checkin", body.id, body);
  const photoId = photo ? uuid() : null;
  if (photo) {
    await enqueue("photo", photoId, { taken_at: photo.taken_at, check_in: body.id, name: photo.file.name }, photo.file);
  }
  if (local.length) emergency(local);
  const stored = await flush().catch(() => ({}));
  const checkin = stored[body.id];
  if (local.length) return;
  if (!checkin) { queued(Boolean(photo)); return; }
  if (checkin.refused) { refused(checkin.refused); return; }
  const flags = checkin.flags || [];
  const worst = flags.reduce((max, f) => Math.max(max, SEVERITY_RANK[f.severity] || 0), 0);
  const advice = flags.map((f) => f.advice);
  const rejected = Object.keys(checkin.rejected || {});
  if (worst === 3) emergency(advice);
  else if (worst === 2) await urgent(advice, rejected);
  else routine(advice, rejected, photo ? Boolean(stored[photoId]) : null);
}

export function emergency(advice) {
  const number = emergencyNumber();
  document.body.classList.add("emergency-mode");
  show(h("div", { class: "emergency", role: "alert" },
    h("h1", {}, t("emergencyTitle")),
    h("a", { class: "call", href: `tel:${number}` }, t("callNow", { number })),
    h("p", { class: "tell" }, t("tellOperator")),
    advice.length ? h("ul", { class: "plain" }, [...new Set(advice)].map((a) => h("li", {}, a))) : null,
    h("a", { href: "#/today", class: "button" }, t("backToToday"))));
}

export async function urgent(advice, rejected = []) {
  const show = renderer();
  const me = await api.get("me/").catch(() => null);
  const phone = me && me.care_team_phone;
  show(h("div", { class: "urgent" },
    h("h1", {}, t("urgentTitle")),
    phone ? h("a", { class: "call", href: `tel:${phone.replace(/[^+\d]/g, "")}` }, t("callTeam", { phone })) : h("p", {}, t("noTeamPhone")),
    h("ul", { class: "plain" }, [...new Set(advice)].map((a) => h("li", {}, a))),
    rejectedNote(rejected),
    h("a", { href: "#/today", class: "button" }, t("backToToday"))));
}

function rejectedNote(rejected) {
  if (!rejected.length) return null;
  const names = rejected.map((name) => { const group = GROUPS.find((g) => g.key === FIELD_GROUP[name]); return group ? say(group.title) : name; });
  return h("p", { class: "alert" }, t("rejected"), " ", [...new Set(names)].join(", "));
}

// The fever to watch for in the patient's unit first, then the other: "38.0 °C (100.4 °F)".
function feverInBothUnits() {
  const unit = temperatureUnit();
  const other = unit === "F" ? "C" : "F";
  const language = currentLanguage();
  return `${formatTemperature(FEVER_C, unit, language)} (${formatTemperature(FEVER_C, other, language)})`;
}

// `photo`: null without a photo; true when it was sent, false when it waits to send.
export function routine(advice, rejected = [], photo = null) {
  show(h("div", { class: "routine" },
    h("h1", {}, advice.length ? t("routineTitle") : t("thankYou")),
    h("p", {}, t("thankYouBody")),
    photo === true ? h("p", { class: "ok" }, t("photoSent")) : null,
    photo === false ? h("p", { class: "waiting", "data-waiting": "photo" }, t("photoWaiting")) : null,
    advice.length ? h("ul", { class: "plain" }, advice.map((a) => h("li", {}, a))) : null,
    h("p", {}, t("routineWatch", { fever: feverInBothUnits() })),
    rejectedNote(rejected),
    h("a", { href: "#/today", class: "button primary" }, t("backToToday"))));
}

// `photo`: a wound photo waits with the check-in.
export function queued(photo = false) {
  show(h("div", { class: "queued" },
    h("h1", {}, t("waitingToSend")),
    h("p", { class: "waiting" }, t("queuedBody")),
    photo ? h("p", { class: "waiting", "data-waiting": "photo" }, t("photoWaiting")) : null,
    h("a", { href: "#/today", class: "button primary" }, t("backToToday"))));
}

// The server refused the check-in (it was not stored): say so and how to get help now.
export function refused(error) {
  show(h("div", { class: "refused", role: "alert" },
    h("h1", {}, t("notSentTitle")),
    h("p", {}, t("notSentBody")),
    error.message ? h("p", { class: "waiting" }, error.message) : null,
    h("a", { href: "#/check-in", class: "button primary" }, t("tryAgain")),
    h("a", { href: "#/today", class: "button" }, t("backToToday"))));
}

// --- Checklist, milestones, questionnaires, inbox ---------------------------------------

export async function checklist() {
  const show = renderer();
  const day = await api.get("me/checklist/");
  const status = h("div", { "aria-live": "polite" });
  const rows = day.items.map((item) => {
    const name = `item-${item.id}`;
    const kept = item.entry ? item.entry.kept : null;
    const radio = (value, label) => {
      const id = `${name}-${value}`;
      return h("div", { class: "choice" }, h("input", { type: "radio", name, id, value, checked: kept === (value === "yes") }), h("label", { for: id }, label));
    };
    return h("fieldset", { class: "card", "data-item": item.code },
      h("legend", {}, item.title),
      item.detail ? h("p", { class: "detail" }, item.detail) : null,
      h("div", { class: "choices" }, radio("yes", t("kept")), radio("no", t("notKept"))));
  });
  const form = h("form", { class: "stack", onSubmit: async (event) => {
    event.preventDefault();
    for (const item of day.items) {
      const chosen = form.querySelector(`input[name="item-${item.id}"]:checked`);
      if (!chosen) continue;
      const id = uuid();
      await enqueue("checklist", id, { date: day.date, item: item.id, kept: chosen.value === "yes", client_id: id });
    }
    await flush().catch(() => ({}));
    const left = (await pending()).filter((i) => i.kind === "checklist").length;
    status.replaceChildren(h("p", { class: left ? "waiting" : "ok" }, left ? t("waitingToSend") : t("saved")));
  } }, rows.length ? rows : h("p", {}, t("noItems")), status,
  rows.length && day.editable ? h("button", { type: "submit", class: "primary" }, t("save")) : null);
  show(h("h1", {}, t("checklist")), form);
}

export async function milestones() {
  const show = renderer();
  const data = await api.get("me/milestones/");
  const list = data.results || [];
  const status = h("div", { "aria-live": "polite" });
  show(h("h1", {}, t("milestones")), status, h("ul", { class: "plain stack" }, list.map((m) => h("li", { class: "card", "data-milestone": m.code },
    h("h2", {}, m.title),
    h("p", {}, t(m.status), m.achieved_on ? ` · ${m.achieved_on}` : ""),
    m.self_report && m.status !== "achieved" ? h("button", { type: "button", onClick: async () => {
      try {
        await api.call("POST", `me/milestones/${m.id}/achieved/`, {});
        status.replaceChildren(h("p", { class: "ok" }, t("recorded")));
        await milestones();
        document.getElementById("main").prepend(h("p", { class: "ok", role: "status" }, t("recorded")));
      } catch (error) { status.replaceChildren(errorBox(error)); }
    } }, t("record")) : null))));
}

export async function questionnaires() {
  const show = renderer();
  const data = await api.get("me/questionnaires/due/");
  const due = data.results || [];
  const blocks = due.map((q) => {
    const missingWording = q.items.some((item) => item.prompt === null) && q.answer_format === "ordered_list";
    if (missingWording) return h("section", { class: "card" }, h("h2", {}, q.instrument_name), h("p", { class: "notice", role: "note" }, t("questionnaireNotice")));
    const inputs = q.items.map((item) => {
      const input = h("input", { type: "number", inputmode: "numeric", min: item.min, max: item.max, step: 1, required: !item.skippable, name: item.key });
      return { item, input, node: field(`${item.prompt || item.title} (${item.min}–${item.max})`, input) };
    });
    const status = h("div", { "aria-live": "polite" });
    return h("form", { class: "card stack", onSubmit: async (event) => {
      event.preventDefault();
      const values = inputs.map(({ item, input }) => [item.key, input.value === "" ? null : Number(input.value)]);
      const answers = q.answer_format === "ordered_list" ? values.map(([, v]) => v) : Object.fromEntries(values.filter(([, v]) => v !== null));
      try {
        await api.call("POST", "me/questionnaires/", { id: uuid(), instrument: q.instrument, timepoint: q.timepoint, answers });
        status.replaceChildren(h("p", { class: "ok" }, t("saved")));
      } catch (error) { status.replaceChildren(errorBox(error)); }
    } }, h("h2", {}, q.instrument_name), inputs.map((i) => i.node), status, h("button", { type: "submit", class: "primary" }, t("submit")));
  });
  show(h("h1", {}, t("questionnaires")), blocks.length ? blocks : h("p", {}, t("noQuestionnaires")));
}

export async function inbox() {
  const show = renderer();
  const data = await api.get("me/notifications/");
  const list = data.results || [];
  show(h("h1", {}, t("inbox")), list.length ? h("ul", { class: "plain stack" }, list.map((n) => h("li", { class: n.read ? "card" : "card unread" },
    h("h2", {}, n.title), h("p", {}, n.body), h("p", { class: "detail" }, new Date(n.created_at).toLocaleString(currentLanguage()))))) : h("p", {}, t("inboxEmpty")));
  api.call("POST", "me/notifications/read-all/", {}).catch(() => {});
}

// --- Settings and sign-out --------------------------------------------------------------

export async function settings(onSignOut) {
  const show = renderer();
  const prefs = await api.get("me/preferences/");
  // The server's preference ("c"/"f", issue 19); this device's copy when offline.
  if (prefs.temperature_unit) setTemperatureUnit(prefs.temperature_unit);
  const unit = temperatureUnit();
  const reminder = h("input", { type: "time", value: prefs.checkin_reminder_time });
  const quietStart = h("input", { type: "time", value: prefs.quiet_hours_start });
  const quietEnd = h("input", { type: "time", value: prefs.quiet_hours_end });
  const language = h("select", {}, LANGUAGES.map(([code, name]) => h("option", { value: code, selected: code === currentLanguage() }, name)));
  const units = h("select", {}, [["C", "°C"], ["F", "°F"]].map(([code, name]) => h("option", { value: code, selected: code === unit }, name)));
  const pushId = nextId("push");
  const push = h("input", { type: "checkbox", id: pushId, checked: prefs.push_enabled });
  const status = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "stack", onSubmit: async (event) => {
    event.preventDefault();
    try {
      await api.call("PATCH", "me/preferences/", {
        checkin_reminder_time: reminder.value.slice(0, 5), quiet_hours_start: quietStart.value.slice(0, 5),
        quiet_hours_end: quietEnd.value.slice(0, 5), push_enabled: push.checked,
        language: language.value, // the server's advice and reminders follow it (issue 19)
        temperature_unit: units.value.toLowerCase(), // the server shows readings in it too
      });
      await kv.set("language", language.value);
      setTemperatureUnit(units.value);
      await kv.set("temperature_unit", temperatureUnit());
      setLanguage(language.value);
      if (push.checked && pushAvailable()) await pushSubscribe().catch(() => {});
      if (!push.checked) await pushUnsubscribe().catch(() => {});
      document.dispatchEvent(new CustomEvent("languagechange"));
      await settings(onSignOut);
      document.getElementById("main").prepend(h("p", { class: "ok", role: "status" }, t("saved")));
    } catch (error) { status.replaceChildren(errorBox(error)); }
  } },
  field(t("reminderTime"), reminder), field(t("quietStart"), quietStart), field(t("quietEnd"), quietEnd),
  field(t("language"), language), field(t("temperatureUnit"), units),
  h("fieldset", {}, h("legend", {}, t("notifications")), h("div", { class: "check" }, push, h("label", { for: pushId }, t("notificationsOn")))),
  status, h("button", { type: "submit", class: "primary" }, t("save")));
  show(h("h1", {}, t("settings")), form,
    h("button", { type: "button", class: "danger", onClick: async () => { await api.signOut(); onSignOut(); } }, t("signOut")));
}
