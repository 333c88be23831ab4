// The hotline beside the map: messages rendered by the node in this officer's language (with the
// writing direction it gives), receipts (read, acknowledge), the composer, and the safety alarm: an
// unacknowledged safety message shows a flashing banner (and sounds, sound.js) until it is acknowledged.

import { post } from "./api.js";
import { fmtZ } from "./clock.js";
import { $, h, keyedRender, replaceChildren } from "./dom.js";
import { dirOf, lang, t } from "./i18n.js";
import { clearErrors, fieldError, showErrors } from "./forms.js";
import { emit, myParty, state } from "./state.js";

export function upsertMessage(view) {
  if (view && view.message && view.message.message_id) state.messages.set(view.message.message_id, view);
}

function myReceipt(message) {
  return (message.receipts || []).find((r) => r.party === myParty()) || null;
}

function received(message) {
  return message.recipients.includes(myParty()) && message.author.party !== myParty();
}

/** A thread is the line to one set of other parties: every message among exactly those parties and us. */
export function threadOf(message) {
  const parties = new Set([message.author.party, ...message.recipients]);
  parties.delete(myParty());
  return [...parties].sort().join(", ");
}

// The thread the list shows ("" for all) and the message being answered, if any: desk-local view state.
const view = { thread: "", replyTo: null };

function unreadIn(messages) {
  return messages.filter(({ message }) => received(message) && (myReceipt(message) || {}).state === "delivered").length;
}

function renderThreads(all) {
  const byThread = new Map();
  for (const item of all) {
    const key = threadOf(item.message);
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(item);
  }
  if (view.thread && !byThread.has(view.thread)) view.thread = "";
  const tab = (key, label, items) => {
    const unread = unreadIn(items);
    return h("button", {
      type: "button", class: `thread${view.thread === key ? " active" : ""}`, dataset: { thread: key },
      "aria-pressed": String(view.thread === key),
      onclick: () => { view.thread = key; renderMessages(); },
    }, label, unread ? h("span", { class: "count", "aria-label": `${unread} ${t("unread")}` }, String(unread)) : null);
  };
  replaceChildren($("#threads"), [
    tab("", t("all_threads"), all),
    ...[...byThread.keys()].sort().map((key) => tab(key, key, byThread.get(key))),
  ]);
}

function quoted(message) {
  const reference = (message.references || []).find((r) => r.kind === "message");
  if (!reference) return null;
  const original = state.messages.get(reference.id);
  const text = original ? original.rendered.text : reference.id;
  return h("p", { class: "reply-to", dataset: { replyTo: reference.id } }, `↩ ${text.length > 80 ? `${text.slice(0, 77)}…` : text}`);
}

function startReply(message) {
  view.replyTo = message.message_id;
  const form = $("#compose");
  form.hidden = false;
  $("#compose-toggle").textContent = t("close");
  const answerTo = new Set([message.author.party, ...message.recipients]);
  answerTo.delete(myParty());
  for (const box of form.querySelectorAll("input[name=recipients]")) box.checked = answerTo.has(box.value);
  renderReplyLine();
  form.querySelector("select[name=urgency]").focus();
}

function renderReplyLine() {
  const line = $("#compose-reply");
  if (!line) return;
  const original = view.replyTo && state.messages.get(view.replyTo);
  line.hidden = !original;
  replaceChildren(line, original ? [
    h("span", {}, `${t("replying_to")}: ${original.rendered.text}`),
    h("button", { type: "button", class: "secondary", onclick: () => { view.replyTo = null; renderReplyLine(); } }, t("cancel_reply")),
  ] : []);
}

/** Safety messages sent to this party that it has not acknowledged yet. */
export function unacknowledgedSafety() {
  return [...state.messages.values()].filter(({ message }) => {
    if (message.urgency !== "safety" || !received(message)) return false;
    const receipt = myReceipt(message);
    return !receipt || receipt.state !== "acknowledged";
  });
}

async function mark(messageId, action, button) {
  if (button) button.disabled = true;
  try {
    upsertMessage(await post(`/messages/${encodeURIComponent(messageId)}/${action}`));
    emit("messages");
  } catch (error) {
    if (button) {
      button.disabled = false;
      button.title = error.reason || String(error);
    }
  }
}

function messageText(rendered) {
  return h(
    "p",
    { class: "text", dir: rendered.direction || dirOf(rendered.language), lang: rendered.language },
    rendered.text,
  );
}

function messageItem({ message, rendered }) {
  const mine = message.author.party === myParty();
  const receipt = myReceipt(message);
  const unacked = message.urgency === "safety" && received(message) && (!receipt || receipt.state !== "acknowledged");
  const meta = [
    h("span", { class: `badge ${message.urgency}` }, t(message.urgency)),
    mine
      ? h("span", {}, `→ ${message.recipients.join(", ")}`)
      : h("span", {}, `${t("from")} ${message.author.party}`),
    h("bdi", { dir: "ltr" }, fmtZ(message.created_at)),
  ];
  if (rendered.untranslated) meta.push(h("span", { class: "badge" }, t("untranslated")));
  // An unacknowledged safety call goes up to the generals: every desk that sees the message sees that too.
  for (const r of message.receipts || []) {
    if (r.escalated_at) meta.push(h("span", { class: "badge escalated", dataset: { escalated: r.party } }, `${t("escalated")} (${r.party})`));
  }
  const receipts = mine
    ? (message.receipts || []).map((r) => h("span", { class: `badge state-${r.state}` }, `${r.party}: ${t(r.state)}`))
    : receipt
      ? [h("span", { class: `badge state-${receipt.state}` }, t(receipt.state))]
      : [];
  const actions = [];
  if (!mine && receipt) {
    if (receipt.state === "delivered") {
      actions.push(h("button", {
        type: "button", class: "secondary", dataset: { action: "read", message: message.message_id },
        onclick: (event) => mark(message.message_id, "read", event.currentTarget),
      }, t("mark_read")));
    }
    if (receipt.state !== "acknowledged") {
      actions.push(h("button", {
        type: "button", class: unacked ? "ack" : "", dataset: { action: "ack", message: message.message_id },
        onclick: (event) => mark(message.message_id, "ack", event.currentTarget),
      }, t("acknowledge")));
    }
  }
  if (!mine) {
    actions.push(h("button", {
      type: "button", class: "secondary", dataset: { action: "reply", message: message.message_id },
      onclick: () => startReply(message),
    }, t("reply")));
  }
  return h(
    "li",
    {
      class: `msg ${message.urgency}${unacked ? " unacked" : ""}`,
      dataset: { message: message.message_id, urgency: message.urgency },
    },
    h("div", { class: "meta" }, meta, receipts),
    quoted(message),
    messageText(rendered),
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

export function renderMessages() {
  // Newest first; messages of the same instant in reverse order of arrival (a stable sort).
  const all = [...state.messages.values()].reverse().sort((a, b) =>
    Date.parse(b.message.created_at) - Date.parse(a.message.created_at));
  renderThreads(all);
  const list = view.thread ? all.filter(({ message }) => threadOf(message) === view.thread) : all;
  keyedRender($("#messages"), list, (view) => view.message.message_id, messageItem,
    () => h("li", { class: "muted" }, t("no_messages")));
  renderAlarm();
}

let alarmExpanded = false;

/** The safety alarm, compact: the count and the newest unacknowledged call, the others on demand (an officer
 * with four calls ringing still has a map to look at). */
export function renderAlarm() {
  // Newest first; calls of the same instant in the order they arrived, the last one first.
  const pending = unacknowledgedSafety().map((view, i) => [view, i])
    .sort(([a, i], [b, j]) => Date.parse(b.message.created_at) - Date.parse(a.message.created_at) || j - i)
    .map(([view]) => view);
  const banner = $("#alarm");
  banner.hidden = pending.length === 0;
  document.body.classList.toggle("alarmed", pending.length > 0);
  document.title = pending.length ? `⚠ SAFETY (${pending.length}) — airparley desk` : "airparley desk";
  if (pending.length < 2) alarmExpanded = false;
  banner.dataset.count = String(pending.length);
  $("#alarm-title").textContent = pending.length > 1 ? `${t("alarm")} (${pending.length})` : t("alarm");
  banner.setAttribute("dir", dirOf(lang()));
  const shown = alarmExpanded ? pending : pending.slice(0, 1);
  const items = shown.map(({ message, rendered }) => h(
    "li",
    { dataset: { message: message.message_id } },
    h("span", { class: "badge safety" }, message.author.party),
    h("span", { class: "text", dir: rendered.direction || dirOf(rendered.language), lang: rendered.language }, rendered.text),
    h("button", {
      type: "button", class: "ack", dataset: { action: "ack", message: message.message_id },
      onclick: (event) => mark(message.message_id, "ack", event.currentTarget),
    }, t("acknowledge")),
  ));
  replaceChildren($("#alarm-list"), items);
  const more = $("#alarm-more");
  more.hidden = pending.length < 2;
  more.setAttribute("aria-expanded", String(alarmExpanded));
  more.textContent = alarmExpanded ? t("show_fewer") : `${t("show_all")} (+${pending.length - 1})`;
  more.onclick = () => {
    alarmExpanded = !alarmExpanded;
    renderAlarm();
  };
}

/** A message rang again (message.ring): restart the banner's flashing so it draws the eye anew. */
export function ring() {
  const banner = $("#alarm");
  banner.dataset.rings = String(Number(banner.dataset.rings || 0) + 1);
  banner.style.animation = "none";
  void banner.offsetWidth;
  banner.style.animation = "";
}

// -- composer ---------------------------------------------------------------------------------------

const NUMBER_PARAMS = new Set(["distance_nm", "minutes", "frequency", "fl", "altitude_ft", "heading"]);

function paramInput(name, kind) {
  if (kind === "direction") {
    const directions = (state.phrases && state.phrases.enums && state.phrases.enums.direction) || {};
    return h("select", { name: `params.${name}` }, Object.entries(directions).map(([value, words]) =>
      h("option", { value }, (words[lang()] && (words[lang()].imperative || words[lang()].future)) || value)));
  }
  if (kind === "position") return h("input", { name: `params.${name}`, placeholder: "lon, lat (e.g. 38.27, 34.56)" });
  if (NUMBER_PARAMS.has(kind)) return h("input", { name: `params.${name}`, type: "number", step: "any" });
  return h("input", { name: `params.${name}` });
}

function paramValue(kind, raw) {
  if (kind === "position") {
    const parts = raw.split(/[,\s]+/).filter(Boolean).map(Number);
    return parts.length === 2 && parts.every(Number.isFinite) ? parts : raw;
  }
  if (NUMBER_PARAMS.has(kind)) {
    const value = Number(raw);
    return raw.trim() !== "" && Number.isFinite(value) ? value : raw;
  }
  return raw;
}

export function renderComposer() {
  const form = $("#compose");
  const others = state.parties.filter((p) => p.code !== myParty());
  const phrases = (state.phrases && state.phrases.phrases) || [];
  const phraseSelect = h("select", { name: "template", id: "compose-template" },
    h("option", { value: "" }, `— ${t("free_text")} —`),
    // (the [ ] around an optional parameter's words are catalogue syntax, not for the officer's eyes)
    phrases.map((p) => h("option", { value: p.id }, (p.text[lang()] || p.text.en).replace(/[[\]]/g, ""))));
  const params = h("div", { class: "full compose-params" });
  const text = h("textarea", { name: "text", id: "compose-text", dir: "auto", "aria-label": t("free_text") });
  const textRow = h("div", { class: "full" }, text, fieldError("text"));
  const showParams = () => {
    const phrase = phrases.find((p) => p.id === phraseSelect.value);
    textRow.hidden = Boolean(phrase);
    replaceChildren(params, phrase ? Object.entries(phrase.params).map(([name, kind]) =>
      h("label", { class: "param" }, `${name} `, paramInput(name, kind), fieldError(`params.${name}`))) : []);
  };
  phraseSelect.addEventListener("change", showParams);
  replaceChildren(form, [
    h("p", { class: "full reply-line", id: "compose-reply", hidden: true }),
    h("span", { class: "label", id: "compose-to" }, t("to")),
    h("div", { role: "group", "aria-labelledby": "compose-to" }, others.map((p) => h("label", {}, h("input", { type: "checkbox", name: "recipients", value: p.code }), ` ${p.code} `)),
      fieldError("recipients")),
    h("label", { for: "compose-urgency" }, t("urgency")),
    h("div", {}, h("select", { name: "urgency", id: "compose-urgency" }, ["routine", "urgent", "safety"].map((u) => h("option", { value: u }, t(u)))),
      fieldError("urgency")),
    h("label", { for: "compose-template" }, t("phrase")),
    h("div", {}, phraseSelect, fieldError("template")),
    params,
    textRow,
    h("p", { class: "field-error full", dataset: { errorFor: "" } }),
    h("div", { class: "full" }, h("button", { type: "submit" }, t("send"))),
  ]);
  form.setAttribute("dir", dirOf(lang()));
  renderReplyLine();
  form.onsubmit = async (event) => {
    event.preventDefault();
    clearErrors(form);
    const recipients = [...form.querySelectorAll("input[name=recipients]:checked")].map((i) => i.value);
    const body = { recipients, urgency: form.elements.urgency.value };
    if (view.replyTo) body.references = [{ kind: "message", id: view.replyTo }];
    const phrase = phrases.find((p) => p.id === phraseSelect.value);
    if (phrase) {
      body.template = phrase.id;
      body.params = {};
      for (const [name, kind] of Object.entries(phrase.params)) {
        const raw = form.elements[`params.${name}`].value;
        if (raw.trim() === "" && (phrase.optional || []).includes(name)) continue;  // the phrase reads without it
        body.params[name] = paramValue(kind, raw);
      }
    } else {
      body.text = text.value;
      body.language = lang();
    }
    try {
      upsertMessage(await post("/messages", body));
      view.replyTo = null;
      emit("messages");
      form.reset();
      showParams();
      renderReplyLine();
    } catch (error) {
      showErrors(form, error);
    }
  };
}

/** Print the thread shown (desk.css prints the hotline alone, every message, while printing-thread is set). */
function printThread() {
  document.body.classList.add("printing-thread");
  try {
    window.print();
  } finally {
    document.body.classList.remove("printing-thread");
  }
}

export function initHotline() {
  const print = $("#print-thread");
  print.textContent = t("print_thread");
  print.onclick = printThread;
  const toggle = $("#compose-toggle");
  toggle.textContent = t("compose");
  $("#hotline-title").textContent = t("hotline");
  $("#hotline").setAttribute("dir", dirOf(lang()));
  toggle.onclick = () => {
    const form = $("#compose");
    form.hidden = !form.hidden;
    toggle.textContent = form.hidden ? t("compose") : t("close");
  };
  renderComposer();
  renderMessages();
}
