// Coding workspace: select a passage and pick or create a code, accept or reject suggestions,
// memos; everything through fetch() with the CSRF header, and usable from the keyboard alone
// (j/k move between answers, a/r accept/reject the first suggestion, c code, m memo). The
// single-key shortcuts act only while the focus is in the list of answers, never in a field, and
// can be turned off (WCAG 2.1.4): the choice is kept in localStorage.
const workspace = document.querySelector(".workspace");
const api = workspace.dataset.api;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const codes = JSON.parse(document.getElementById("codes-data").textContent);
const picker = document.getElementById("code-picker");
const search = document.getElementById("code-picker-search");
const list = document.getElementById("code-picker-list");
const toastBox = document.getElementById("coding-toast");
let pending = null; // {article, start, end, excerpt}
let active = 0;
let lastFocus = null;

function toast(message, isError = false) {
  toastBox.textContent = message;
  toastBox.classList.toggle("error", isError);
  toastBox.classList.add("visible");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => toastBox.classList.remove("visible"), isError ? 6000 : 2500);
}

async function call(method, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    toast("Connexion perdue : l'action n'a pas été enregistrée.", true);
    return null;
  }
  let payload = {};
  try { payload = await response.json(); } catch (error) { payload = {}; }
  if (!response.ok) {
    toast(payload.error || `Erreur ${response.status} : l'action n'a pas été enregistrée.`, true);
    return null;
  }
  return payload;
}

function answers() { return [...workspace.querySelectorAll("article.answer")]; }
function currentAnswer() {
  return document.activeElement?.closest?.("article.answer") || workspace.querySelector("article.answer.current");
}
// One answer of the list is in the tab order (roving tabindex): Tab reaches the list, j/k move in it.
function markCurrent(article) {
  answers().forEach((item) => {
    item.classList.toggle("current", item === article);
    item.tabIndex = item === article ? 0 : -1;
  });
}
function focusAnswer(article) {
  if (!article) return;
  markCurrent(article);
  article.focus({ preventScroll: true });
  article.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function replaceAnswer(article, html, message) {
  if (!html) { article.remove(); return; }
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const fresh = template.content.firstElementChild;
  article.replaceWith(fresh);
  focusAnswer(fresh);
  if (message) toast(message);
}

// Offsets in the answer's text, in characters as the server counts them (code points).
function offsetIn(container, node, offset) {
  const range = document.createRange();
  range.setStart(container, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

function selectionIn(article) {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
  const text = article.querySelector("[data-text]");
  const range = selection.getRangeAt(0);
  if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return null;
  let start = offsetIn(text, range.startContainer, range.startOffset);
  let end = offsetIn(text, range.endContainer, range.endOffset);
  const chars = Array.from(text.textContent);
  while (start < end && /\s/.test(chars[start])) start += 1;
  while (end > start && /\s/.test(chars[end - 1])) end -= 1;
  if (end <= start) return null;
  return { start, end, excerpt: chars.slice(start, end).join("") };
}

function wholeAnswer(article) {
  const chars = Array.from(article.querySelector("[data-text]").textContent);
  let start = 0, end = chars.length;
  while (start < end && /\s/.test(chars[start])) start += 1;
  while (end > start && /\s/.test(chars[end - 1])) end -= 1;
  return { start, end, excerpt: chars.slice(start, end).join("") };
}

function fold(value) {
  return value.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

function renderList() {
  const query = fold(search.value.trim());
  const matches = codes.filter((code) => !query || fold(code.label).includes(query));
  const exact = codes.some((code) => fold(code.name) === query);
  list.innerHTML = "";
  matches.slice(0, 60).forEach((code, index) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    item.id = `picker-option-${index}`;
    item.dataset.codeId = code.id;
    item.style.setProperty("--depth", query ? 0 : code.depth);
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = code.colour;
    item.append(swatch, document.createTextNode(query ? code.label : code.name));
    list.append(item);
  });
  if (query && !exact) {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    item.className = "create";
    item.id = "picker-option-create";
    item.dataset.newCode = search.value.trim();
    item.textContent = `Créer le code « ${search.value.trim()} »`;
    list.append(item);
  }
  active = Math.min(active, Math.max(list.children.length - 1, 0));
  highlight();
}

function highlight() {
  [...list.children].forEach((item, index) => item.setAttribute("aria-selected", index === active ? "true" : "false"));
  const chosen = list.children[active];
  if (chosen) {
    search.setAttribute("aria-activedescendant", chosen.id);
    chosen.scrollIntoView({ block: "nearest" });
  }
}

function openPicker(article, span, anchorRect) {
  pending = { article, ...span };
  lastFocus = article;
  picker.querySelector("[data-picker-excerpt]").textContent =
    span.excerpt.length > 80 ? span.excerpt.slice(0, 80) + "…" : span.excerpt;
  picker.hidden = false;
  const rect = anchorRect || article.querySelector("[data-text]").getBoundingClientRect();
  const left = Math.min(rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - picker.offsetWidth - 8);
  picker.style.left = `${Math.max(8, left)}px`;
  picker.style.top = `${rect.bottom + window.scrollY + 6}px`;
  search.value = "";
  active = 0;
  renderList();
  search.focus();
}

function closePicker() {
  picker.hidden = true;
  pending = null;
  if (lastFocus && document.contains(lastFocus)) focusAnswer(lastFocus);
}

async function choose(item) {
  if (!pending || !item) return;
  const { article, start, end } = pending;
  const body = {
    submission_id: Number(article.dataset.submission), path: article.dataset.path,
    start, end, text_hash: article.dataset.hash,
  };
  if (item.dataset.newCode) body.new_code = item.dataset.newCode;
  else body.code_id = Number(item.dataset.codeId);
  picker.hidden = true;
  pending = null;
  const result = await call("POST", `${api}/codages`, body);
  if (!result) { focusAnswer(article); return; }
  if (result.code) codes.push(result.code);
  window.getSelection()?.removeAllRanges();
  replaceAnswer(article, result.row_html, result.retraining ? "Codé. Réentraînement des suggestions lancé." : "Codé.");
}

search.addEventListener("input", () => { active = 0; renderList(); });
search.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown") { active = Math.min(active + 1, list.children.length - 1); highlight(); event.preventDefault(); }
  else if (event.key === "ArrowUp") { active = Math.max(active - 1, 0); highlight(); event.preventDefault(); }
  else if (event.key === "Enter") { choose(list.children[active]); event.preventDefault(); }
  else if (event.key === "Escape") { closePicker(); event.preventDefault(); }
});
list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the search focused
list.addEventListener("click", (event) => choose(event.target.closest("li")));
document.addEventListener("mousedown", (event) => {
  if (!picker.hidden && !picker.contains(event.target)) closePicker();
});

function afterSelection(event) {
  const article = event.target.closest?.("article.answer");
  if (!article || !picker.hidden) return;
  const span = selectionIn(article);
  if (!span) return;
  const rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
  openPicker(article, span, rect);
}
workspace.addEventListener("mouseup", (event) => setTimeout(() => afterSelection(event), 0));
workspace.addEventListener("touchend", (event) => setTimeout(() => afterSelection(event), 300));

async function decide(article, suggestionId, decision) {
  const result = await call("POST", `${api}/suggestions/${suggestionId}/${decision}`);
  if (result) replaceAnswer(article, result.row_html,
    decision === "accepter" ? (result.retraining ? "Suggestion acceptée. Réentraînement lancé." : "Suggestion acceptée.") : "Suggestion rejetée.");
}

async function saveMemo(article) {
  const text = article.querySelector("[data-memo]").value;
  const result = await call("POST", `${api}/memos`, {
    submission_id: Number(article.dataset.submission), path: article.dataset.path, text,
  });
  if (result) toast(result.saved ? "Mémo enregistré." : "Mémo effacé.");
}

workspace.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  const article = event.target.closest("article.answer");
  if (article && !button && event.target.closest("[data-text]") === null) focusAnswer(article);
  if (!button || !article) return;
  if (button.dataset.accept) decide(article, button.dataset.accept, "accepter");
  else if (button.dataset.reject) decide(article, button.dataset.reject, "rejeter");
  else if (button.dataset.remove) {
    const result = await call("DELETE", `${api}/codages/${button.dataset.remove}`);
    if (result) replaceAnswer(article, result.row_html, "Code retiré.");
  } else if (button.dataset.confirm) {
    const result = await call("POST", `${api}/codages/${button.dataset.confirm}/confirmer`);
    if (result) replaceAnswer(article, result.row_html, "Codage confirmé sur les mots actuels.");
  } else if ("add" in button.dataset) {
    openPicker(article, selectionIn(article) || wholeAnswer(article), button.getBoundingClientRect());
  } else if ("saveMemo" in button.dataset) saveMemo(article);
});

const shortcutsBox = document.querySelector("[data-shortcuts]");
const SHORTCUTS_KEY = "consultation.coding.shortcuts";
function storedShortcuts() {
  try { return localStorage.getItem(SHORTCUTS_KEY) !== "off"; } catch { return true; }
}
if (shortcutsBox) {
  shortcutsBox.checked = storedShortcuts();
  shortcutsBox.addEventListener("change", () => {
    try { localStorage.setItem(SHORTCUTS_KEY, shortcutsBox.checked ? "on" : "off"); } catch { /* private mode: this page only */ }
  });
}
const answersList = workspace.querySelector("section.answers");

answersList.addEventListener("keydown", (event) => {
  if (!picker.hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
  if (typing) {
    if (event.key === "Escape") focusAnswer(event.target.closest("article.answer") || currentAnswer());
    return;
  }
  if (shortcutsBox && !shortcutsBox.checked) return;
  const all = answers();
  const article = currentAnswer();
  const index = article ? all.indexOf(article) : -1;
  if (event.key === "j") { focusAnswer(all[Math.min(index + 1, all.length - 1)]); event.preventDefault(); }
  else if (event.key === "k") { focusAnswer(all[Math.max(index - 1, 0)]); event.preventDefault(); }
  else if (!article) return;
  else if (event.key === "a" || event.key === "r") {
    const chip = (document.activeElement.closest?.("[data-suggestion]")) || article.querySelector("[data-suggestion]");
    if (!chip) { toast("Pas de suggestion sur cette réponse."); return; }
    decide(article, chip.dataset.suggestion, event.key === "a" ? "accepter" : "rejeter");
    event.preventDefault();
  } else if (event.key === "c") {
    openPicker(article, selectionIn(article) || wholeAnswer(article));
    event.preventDefault();
  } else if (event.key === "m") {
    const details = article.querySelector("details.memo");
    details.open = true;
    details.querySelector("textarea").focus();
    event.preventDefault();
  }
});

document.querySelector("[data-question-switch]")?.addEventListener("submit", (event) => {
  event.preventDefault();
  window.location.href = event.target.querySelector("select").value;
});

// The answer named in the address (after a redirect) or else the first one starts as the current one.
const named = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1)))?.closest("article.answer") : null;
if (named || answers()[0]) markCurrent(named || answers()[0]);
