// A light, high-contrast theme for daylight rooms (the dark one is for the night shift), chosen with the
// top bar's button and remembered by this browser. desk.css holds both; the page only sets data-theme.

import { $ } from "./dom.js";
import { t } from "./i18n.js";

const KEY = "airparley.theme";

function apply(theme) {
  document.documentElement.dataset.theme = theme;
  const button = $("#theme");
  button.setAttribute("aria-pressed", String(theme === "light"));
  button.textContent = theme === "light" ? `☾ ${t("theme_dark")}` : `☀ ${t("theme_light")}`;
}

function stored() {
  try {
    return localStorage.getItem(KEY) === "light" ? "light" : "dark";
  } catch {
    return "dark";
  }
}

export function initTheme() {
  apply(stored());
  $("#theme").onclick = () => {
    const next = document.documentElement.dataset.theme === "light" ? "dark" : "light";
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // not remembered: this page still shows it
    }
    apply(next);
  };
}
