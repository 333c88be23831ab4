// Problems next to the fields they name: the node answers every refusal with an RFC 9457 problem whose
// `field` is a dotted path (`lower`, `params.callsign`, `recipients.0`, `terms.minutes`), and each
// error goes to the slot of the longest prefix of that path the form has (or the form's own slot).

import { h } from "./dom.js";

export function fieldError(name, extraClass = "") {
  return h("p", { class: `field-error ${extraClass}`.trim(), dataset: { errorFor: name }, role: "alert" });
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

export function showErrors(form, error) {
  const slots = new Map([...form.querySelectorAll("[data-error-for]")].map((n) => [n.dataset.errorFor, n]));
  const list = error.errors && error.errors.length ? error.errors : [{ field: "", reason: error.reason || String(error) }];
  for (const item of list) {
    const path = String(item.field || "").split(".").filter(Boolean);
    let slot = null;
    for (let n = path.length; n > 0 && !slot; n--) slot = slots.get(path.slice(0, n).join(".")) || null;
    slot = slot || slots.get("");
    if (!slot) continue;
    slot.textContent = slot.textContent ? `${slot.textContent}; ${item.reason}` : item.reason;
    const input = form.querySelector(`[name="${CSS.escape(slot.dataset.errorFor)}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
  }
}

/** Ask a yes/no question in the page's modal dialog (Escape or "Keep" answers no). */
export function confirmDialog(question, confirmLabel, keepLabel) {
  const dialog = document.getElementById("confirm-dialog");
  dialog.querySelector("#confirm-text").textContent = question;
  const yes = dialog.querySelector("#confirm-yes");
  const no = dialog.querySelector("#confirm-no");
  yes.textContent = confirmLabel;
  no.textContent = keepLabel;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const done = (answer) => {
      yes.onclick = null;
      no.onclick = null;
      dialog.oncancel = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
      resolve(answer);
    };
    yes.onclick = () => done(true);
    no.onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.oncancel = (event) => { event.preventDefault(); done(false); };
    dialog.showModal();
    no.focus();
  });
}
