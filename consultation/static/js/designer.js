/**
 * Designer pages, progressively enhanced: every action also works without JavaScript.
 *
 * - Expression fields ([data-expression]) are checked by the server as you type (debounced), and
 *   the French error is shown with a caret under the offending character.
 * - The question form shows only the fields of the chosen type ([data-types]).
 * - The tree of questions can be reordered by drag and drop (the same move endpoint as the buttons).
 * - Relevance and constraint fields ([data-condition]) get a condition builder above them
 *   (condition-builder.js): question, comparison, value, written into the field and read back.
 * - The preview mounts the questionnaire with form-runtime.js and shows the answers as JSON.
 * - Forms with [data-confirm] ask before submitting.
 */
import { h } from "./dom.js";

const CHECK_DELAY_MS = 350;

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

function debounce(callback, delay) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => callback(...args), delay);
  };
}

// --- live expression check -----------------------------------------------------------------

function showCheck(feedback, expression, result) {
  feedback.replaceChildren();
  const warnings = result.warnings || [];
  if (result.ok && !warnings.length) {
    feedback.className = "expression-feedback valid";
    feedback.append(h("span", {}, "✓ Expression valide"));
    return;
  }
  // An unknown function or a wrong arity does not block (it fails only if evaluated, as in
  // ODK) but is most often a typo: shown as a warning, with its caret.
  feedback.className = result.ok ? "expression-feedback warning" : "expression-feedback invalid";
  if (result.ok) {
    feedback.append(h("p", { class: "expression-message" }, "Enregistrable, mais à vérifier : cet appel échouera s'il est évalué."));
  }
  for (const error of [...result.errors, ...warnings]) {
    const hasPosition = Number.isInteger(error.position);
    const where = hasPosition ? ` (position ${error.position + 1})` : "";
    feedback.append(h("p", { class: "expression-message" }, error.message + where));
    if (hasPosition) {
      // The expression on one line, a caret under the column where the problem starts.
      const caretLine = " ".repeat(Math.min(error.position, expression.length)) + "^";
      feedback.append(h("pre", { class: "expression-caret" }, `${expression}\n${caretLine}`));
    }
  }
}

function setupExpressionChecks(form) {
  const url = form.dataset.expressionUrl;
  if (!url) return;
  const nameInput = form.querySelector('input[name="name"]');
  for (const input of form.querySelectorAll("[data-expression]")) {
    const feedback = h("div", { class: "expression-feedback" });
    feedback.id = `${input.id}-verification`;
    feedback.setAttribute("aria-live", "polite");
    input.closest(".field")?.append(feedback);
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", [...described, feedback.id].join(" "));

    // The error the server wrote at the last save: the live check replaces it once it has its own
    // message, or once the expression changed; a valid expression as saved keeps it (a cycle, say,
    // is only found by the server).
    const serverError = document.getElementById(`${input.id}-erreur`);
    const saved = input.value;
    const settle = (result) => {
      if (serverError) serverError.hidden = !result.ok || input.value !== saved;
    };

    let latest = 0;
    const check = async () => {
      const expression = input.value;
      const ticket = ++latest;
      if (!expression.trim()) {
        feedback.replaceChildren();
        feedback.className = "expression-feedback";
        settle({ ok: true });
        return;
      }
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(),
          },
          body: JSON.stringify({
            expression,
            field: input.dataset.expression,
            question: nameInput ? nameInput.value : "",
          }),
        });
        if (ticket !== latest) return; // an older answer arriving late
        if (!response.ok) throw new Error(String(response.status));
        const result = await response.json();
        showCheck(feedback, expression, result);
        settle(result);
      } catch {
        if (ticket !== latest) return;
        feedback.className = "expression-feedback";
        feedback.textContent = "Vérification impossible pour l'instant : elle sera refaite à l'enregistrement.";
      }
    };
    input.addEventListener("input", debounce(check, CHECK_DELAY_MS));
    nameInput?.addEventListener("change", check);
    if (input.value.trim()) check();
  }

  // Buttons of the variables list insert ${name} in the last expression field used.
  let lastExpressionInput = form.querySelector("[data-expression]");
  form.addEventListener("focusin", (event) => {
    if (event.target.matches?.("[data-expression]")) lastExpressionInput = event.target;
  });
  for (const button of form.querySelectorAll(".insert-variable")) {
    button.addEventListener("click", () => {
      if (!lastExpressionInput) return;
      const reference = "${" + button.dataset.name + "}";
      const { selectionStart: start, selectionEnd: end, value } = lastExpressionInput;
      const at = start ?? value.length;
      lastExpressionInput.value = value.slice(0, at) + reference + value.slice(end ?? at);
      lastExpressionInput.focus();
      lastExpressionInput.setSelectionRange(at + reference.length, at + reference.length);
      lastExpressionInput.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
}

// --- condition builder ---------------------------------------------------------------------

async function setupConditionBuilders(form) {
  const inputs = form.querySelectorAll("[data-condition]");
  const source = document.getElementById("condition-questions");
  if (!inputs.length || !source) return;
  const data = JSON.parse(source.textContent);
  const { setupConditionBuilder } = await import("./condition-builder.js");
  for (const input of inputs) setupConditionBuilder(input, data);
}

// --- fields by question type ---------------------------------------------------------------

function setupTypeDependentFields(form) {
  const typeSelect = form.querySelector('select[name="type"]');
  if (!typeSelect) return;
  const update = () => {
    for (const block of form.querySelectorAll("[data-types]")) {
      const wanted = block.dataset.types.split(" ").includes(typeSelect.value);
      block.hidden = !wanted;
    }
  };
  typeSelect.addEventListener("change", update);
  update();
}

// --- drag and drop of the tree -------------------------------------------------------------

function setupTreeDragAndDrop(root) {
  const status = document.getElementById("drag-status");
  let dragged = null;

  for (const item of root.querySelectorAll("li.node")) {
    const handle = item.querySelector(":scope > .node-row > .drag-handle");
    if (!handle) continue;
    // Only the handle starts a drag, so that text in the row stays selectable.
    handle.addEventListener("mousedown", () => (item.draggable = true));
    item.addEventListener("dragstart", (event) => {
      if (event.target !== item) return;
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.name);
    });
    item.addEventListener("dragend", () => {
      item.draggable = false;
      item.classList.remove("dragging");
      root.querySelectorAll(".drop-before, .drop-after").forEach((node) => node.classList.remove("drop-before", "drop-after"));
      dragged = null;
    });
    item.addEventListener("dragover", (event) => {
      if (!dragged || dragged === item || dragged.contains(item)) return;
      const row = item.querySelector(":scope > .node-row");
      const box = row.getBoundingClientRect();
      if (event.clientY > box.bottom + 4 && item.classList.contains("node-group")) return; // inside the group body
      event.preventDefault();
      event.stopPropagation();
      const after = event.clientY > box.top + box.height / 2;
      item.classList.toggle("drop-after", after);
      item.classList.toggle("drop-before", !after);
    });
    item.addEventListener("dragleave", () => item.classList.remove("drop-before", "drop-after"));
    item.addEventListener("drop", async (event) => {
      if (!dragged || dragged === item || dragged.contains(item)) return;
      if (!item.classList.contains("drop-before") && !item.classList.contains("drop-after")) return;
      event.preventDefault();
      event.stopPropagation();
      const after = item.classList.contains("drop-after");
      const list = item.parentElement;
      const siblings = [...list.children].filter((node) => node !== dragged);
      const position = siblings.indexOf(item) + (after ? 1 : 0);
      const name = dragged.dataset.name;
      const form = dragged.querySelector(":scope > .node-row form.move-buttons");
      const body = new URLSearchParams({ parent: list.dataset.parent || "", position: String(position + 1) });
      const response = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        body,
      });
      if (response.ok) {
        if (status) status.textContent = `« ${name} » déplacé.`;
        window.location.reload();
      } else {
        const result = await response.json().catch(() => ({}));
        if (status) status.textContent = result.message || "Déplacement impossible.";
      }
    });
  }
}

// --- preview -------------------------------------------------------------------------------

async function setupPreview(container) {
  const definition = JSON.parse(document.getElementById("apercu-definition").textContent);
  const output = document.getElementById("apercu-reponses");
  const settings = document.getElementById("apercu-reglages");
  const { mountForm } = await import("./form-runtime.js");
  let mode = container.dataset.mode || "single";
  let language = container.dataset.language;
  let controller = null;

  const showAnswers = (answers) => {
    output.textContent = JSON.stringify(answers, null, 2);
  };
  // A rule that fails when evaluated (an unknown function reached): listed once each, so that
  // the chargé d'étude sees in the preview what the tablet would silently skip.
  const errorBox = document.getElementById("apercu-erreurs");
  const errorsSeen = new Set();
  const showExpressionError = (expression, error) => {
    const line = `« ${expression} » : ${error.message}`;
    if (!errorBox || errorsSeen.has(line)) return;
    errorsSeen.add(line);
    errorBox.querySelector("ul").append(h("li", {}, line));
    errorBox.hidden = false;
  };
  const mount = (answers) => {
    controller?.destroy();
    container.replaceChildren();
    controller = mountForm(container, definition, {
      language,
      answers,
      mode,
      onExpressionError: showExpressionError,
      onChange: (current) => showAnswers(current),
      onSubmit: (current) => {
        showAnswers(current);
        output.textContent = `// Questionnaire terminé (aperçu : rien n'est enregistré)\n${output.textContent}`;
      },
    });
    showAnswers(controller.getAnswers());
  };
  mount(undefined);

  settings.addEventListener("change", (event) => {
    const answers = controller.getAnswers();
    if (event.target.name === "mode") {
      mode = event.target.value;
      mount(answers);
    } else if (event.target.name === "langue") {
      language = event.target.value;
      container.lang = language;
      controller.setLanguage(language);
    }
    // Keep the URL in step so that a reload shows the same view.
    const url = new URL(window.location.href);
    url.searchParams.set("mode", mode);
    if (language) url.searchParams.set("langue", language);
    window.history.replaceState(null, "", url);
  });
  settings.addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("apercu-vider")?.addEventListener("click", () => mount({}));
}

// --- confirmations -------------------------------------------------------------------------

function setupConfirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

for (const form of document.querySelectorAll("form[data-expression-url]")) {
  setupTypeDependentFields(form);
  setupExpressionChecks(form);
  // Without the builder the text field still works as before: nothing to do but say nothing.
  setupConditionBuilders(form).catch(() => {});
}
const tree = document.querySelector(".editor-tree > ol.tree");
if (tree) setupTreeDragAndDrop(tree.parentElement);
const preview = document.getElementById("apercu-formulaire");
if (preview) {
  setupPreview(preview).catch((error) => {
    preview.textContent = `L'aperçu n'a pas pu s'afficher : ${error.message}`;
  });
}
setupConfirmations();
