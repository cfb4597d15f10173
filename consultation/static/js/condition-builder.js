/**
 * The condition builder of the designer: above a relevance or constraint field, rows of « question,
 * operator, value » joined by « et » or « ou ». It writes the expression into the field (so the live
 * check and saving stay those of the text) and reads back what is typed there; an expression it
 * cannot show stays as text, and the builder says so. Nothing typed in either is ever rewritten
 * unless the other one changes.
 */
import { h } from "./dom.js";
import { comparable, comparableNames, kindOf, operatorsFor, readCondition, rowProblem, takesValue, writeCondition } from "./conditions.js";
import { parse } from "./expressions/parse.js";

const ADVANCED = "Condition avancée : modifiez-la en texte dans le champ ci-dessous. L'assistant reprendra la main si vous la videz.";
const UNREADABLE = "Expression à corriger dans le champ ci-dessous : l'assistant la montrera dès qu'elle sera lisible, si elle n'est pas une condition avancée.";

const CURRENT_LABEL = "cette réponse";
const LABEL_LENGTH = 70;

function shortLabel(text) {
  const flat = String(text).replace(/\s+/g, " ").trim();
  return flat.length > LABEL_LENGTH ? `${flat.slice(0, LABEL_LENGTH - 1)}…` : flat;
}

/** The questions by name, with a label that tells apart two questions labelled alike. */
function questionsByName(data) {
  const counts = new Map();
  for (const question of data.questions) counts.set(question.label, (counts.get(question.label) || 0) + 1);
  const byName = new Map();
  for (const question of data.questions) {
    const label = counts.get(question.label) > 1 ? `${shortLabel(question.label)} (${question.name})` : shortLabel(question.label);
    byName.set(question.name, { ...question, display: label });
  }
  return byName;
}

function readable(text) {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

export function setupConditionBuilder(input, data) {
  const form = input.form;
  const field = input.dataset.condition; // "relevant" or "constraint"
  const isConstraint = field === "constraint";
  const questions = questionsByName(data);
  const typeSelect = form.querySelector('select[name="type"]');
  const listSelect = form.querySelector('select[name="choice_list"]');
  const base = input.id;

  const subjects = () => {
    const result = {};
    for (const [name, question] of questions) result[name] = { type: question.type, list: data.lists[question.list] || null };
    if (isConstraint) {
      const type = typeSelect ? typeSelect.value : "text";
      result["."] = { type, list: data.lists[listSelect?.value] || null };
    }
    return result;
  };
  const subjectLabel = (name) => (name === "." ? CURRENT_LABEL : questions.get(name)?.display || name);

  // null: the text is an expression the builder cannot show.
  let condition = readCondition(input.value, subjects());
  let showErrors = false;
  let writing = false;

  const legendText = isConstraint ? "Construire la contrainte" : "Construire la condition d'affichage";
  const intro = isConstraint
    ? "La réponse n'est acceptée que si ces conditions sont vraies ; « cette réponse » désigne la réponse à cette question."
    : "Choisissez une question posée avant, une comparaison et une valeur : l'expression s'écrit dans le champ ci-dessous.";
  const root = h("fieldset", { class: "condition-builder", id: `${base}-assistant` });
  const introId = `${base}-assistant-aide`;
  const rowsHolder = h("div", { class: "condition-rows" });
  const joinSelect = h(
    "select",
    { id: `${base}-assistant-lien` },
    h("option", { value: "and" }, "et (toutes vraies)"),
    h("option", { value: "or" }, "ou (au moins une vraie)"),
  );
  const joinField = h("div", { class: "field condition-join" }, h("label", { for: joinSelect.id }, "Conditions reliées par"), joinSelect);
  const addButton = h("button", { type: "button", class: "button secondary small" }, "Ajouter une condition");
  const summary = h("p", { class: "condition-summary", id: `${base}-assistant-resume` });
  const advanced = h("p", { class: "condition-advanced", id: `${base}-assistant-avancee` });
  const status = h("p", { class: "condition-status", role: "status" });
  root.append(h("legend", {}, legendText), h("p", { class: "hint", id: introId }, intro), advanced, joinField, rowsHolder, addButton, summary, status);
  root.setAttribute("aria-describedby", introId);
  input.closest(".field").before(root);

  // --- state → page ------------------------------------------------------------------------

  const offeredSubjects = (row) => {
    const names = [];
    if (isConstraint) names.push(".");
    for (const [name, question] of questions) if (question.before) names.push(name);
    if (row.subject && !names.includes(row.subject)) names.push(row.subject);
    return names;
  };

  const valueControl = (row, index, id, describedBy) => {
    const subject = subjects()[row.subject];
    const kind = subject ? kindOf(subject.type) : null;
    const common = { id, "aria-describedby": describedBy, "aria-invalid": describedBy ? "true" : false, dataset: { part: "value" } };
    if (kind === "choice" || kind === "choices") {
      const choices = subject.list || [];
      return h(
        "select",
        common,
        h("option", { value: "" }, "— Choisir —"),
        choices.map((choice) => h("option", { value: choice.name, selected: choice.name === row.value }, shortLabel(choice.label))),
      );
    }
    if (kind === "date") return h("input", { ...common, type: "date", value: row.value });
    if (kind === "number") return h("input", { ...common, type: "text", inputmode: "decimal", autocomplete: "off", value: row.value });
    return h("input", { ...common, type: "text", autocomplete: "off", value: row.value });
  };

  const renderRow = (row, index) => {
    const number = index + 1;
    const id = `${base}-c${number}`;
    const problem = showErrors ? rowProblem(row, subjects()) : null;
    const errorId = problem ? `${id}-erreur` : null;
    const subject = subjects()[row.subject];
    const kind = subject ? kindOf(subject.type) : null;

    const subjectSelect = h(
      "select",
      { id: `${id}-question`, dataset: { part: "subject" }, "aria-describedby": problem && !subject ? errorId : false, "aria-invalid": problem && !subject ? "true" : false },
      row.subject ? null : h("option", { value: "" }, "— Choisir une question —"),
      offeredSubjects(row).map((name) => h("option", { value: name, selected: name === row.subject }, subjectLabel(name))),
    );
    const parts = [
      h("div", { class: "field" }, h("label", { for: subjectSelect.id }, "Question"), subjectSelect),
    ];
    if (subject) {
      const opSelect = h(
        "select",
        { id: `${id}-operateur`, dataset: { part: "op" } },
        operatorsFor(kind).map(([op, words]) => h("option", { value: op, selected: op === row.op }, words)),
      );
      parts.push(h("div", { class: "field" }, h("label", { for: opSelect.id }, "Comparaison"), opSelect));
      if (takesValue(row.op)) {
        // « Âge du conjoint ≤ Âge »: another question of the same kind instead of a typed value.
        const others = comparableNames(row.subject, row.op, offeredSubjects(row), subjects());
        if (row.against && !others.includes(row.against)) others.push(row.against);
        if (others.length) {
          const againstSelect = h(
            "select",
            { id: `${id}-comparer`, dataset: { part: "against" }, "aria-describedby": problem && row.against ? errorId : false, "aria-invalid": problem && row.against ? "true" : false },
            h("option", { value: "" }, "une valeur saisie"),
            others.map((name) => h("option", { value: name, selected: name === row.against }, `la question « ${subjectLabel(name)} »`)),
          );
          parts.push(h("div", { class: "field" }, h("label", { for: againstSelect.id }, "Comparer à"), againstSelect));
        }
        if (!row.against) {
          const control = valueControl(row, index, `${id}-valeur`, errorId);
          parts.push(h("div", { class: "field" }, h("label", { for: control.id }, "Valeur"), control));
        }
      }
    }
    const remove = h(
      "button",
      { type: "button", id: `${id}-retirer`, class: "button-link small condition-remove", dataset: { part: "remove" }, "aria-label": `Retirer la condition ${number}` },
      "Retirer",
    );
    const joiner = index > 0 ? h("p", { class: "condition-joiner", "aria-hidden": "true" }, condition.join === "or" ? "ou" : "et") : null;
    const box = h(
      "fieldset",
      { class: "condition-row", dataset: { index: String(index) } },
      h("legend", {}, `Condition ${number}`),
      h("div", { class: "condition-parts" }, parts, remove),
      problem ? h("p", { class: "error", id: errorId }, `Condition ${number} : ${problem}.`) : null,
    );
    return [joiner, box];
  };

  const describe = () => {
    if (!condition || !condition.rows.length) return "";
    const list = subjects();
    const words = condition.rows
      .filter((row) => rowProblem(row, list) === null)
      .map((row) => {
        const kind = kindOf(list[row.subject].type);
        const op = operatorsFor(kind).find(([code]) => code === row.op)[1].replace(/ \(.*\)$/, "");
        if (!takesValue(row.op)) return `${subjectLabel(row.subject)} ${op}`;
        if (row.against) return `${subjectLabel(row.subject)} ${op} ${subjectLabel(row.against)}`;
        const choice = (list[row.subject].list || []).find((item) => item.name === row.value);
        return `${subjectLabel(row.subject)} ${op} ${choice ? shortLabel(choice.label) : row.value}`;
      });
    if (!words.length) return "";
    const start = isConstraint ? "Réponse acceptée si" : "Affichée si";
    return `${start} ${words.join(condition.join === "or" ? " ou " : " et ")}.`;
  };

  const render = () => {
    const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
    advanced.hidden = condition !== null;
    if (condition === null) advanced.textContent = readable(input.value) ? ADVANCED : UNREADABLE;
    rowsHolder.hidden = condition === null;
    addButton.hidden = condition === null;
    joinField.hidden = condition === null || condition.rows.length < 2;
    if (condition) joinSelect.value = condition.join;
    rowsHolder.replaceChildren(...(condition ? condition.rows.flatMap(renderRow) : []).filter(Boolean));
    summary.textContent = describe();
    if (showErrors && condition && condition.rows.every((row) => rowProblem(row, subjects()) === null)) {
      showErrors = false;
      status.textContent = "";
    }
    if (focused) document.getElementById(focused)?.focus();
  };

  // --- page → state → field ----------------------------------------------------------------

  const write = () => {
    const text = writeCondition(condition, subjects());
    if (text === input.value) return;
    input.value = text;
    writing = true;
    try {
      input.dispatchEvent(new Event("input", { bubbles: true }));
    } finally {
      writing = false;
    }
  };

  const reread = () => {
    condition = readCondition(input.value, subjects());
    showErrors = false;
    status.textContent = "";
    render();
  };

  input.addEventListener("input", () => {
    if (!writing) reread();
  });
  typeSelect?.addEventListener("change", reread);
  listSelect?.addEventListener("change", reread);

  joinSelect.addEventListener("change", () => {
    condition.join = joinSelect.value === "or" ? "or" : "and";
    render();
    write();
  });

  addButton.addEventListener("click", () => {
    const row = { subject: isConstraint ? "." : "", op: "", value: "" };
    if (row.subject) row.op = operatorsFor(kindOf(subjects()["."].type))[0][0];
    condition.rows.push(row);
    render();
    document.getElementById(`${base}-c${condition.rows.length}-question`)?.focus();
  });

  const dropAgainstIfNotComparable = (row) => {
    const list = subjects();
    if (row.against && (row.against === row.subject || !comparable(list[row.subject], list[row.against], row.op))) delete row.against;
  };

  const rowOf = (target) => {
    const box = target.closest(".condition-row");
    return box ? condition.rows[Number(box.dataset.index)] : null;
  };

  rowsHolder.addEventListener("change", (event) => {
    const row = rowOf(event.target);
    if (!row) return;
    const part = event.target.dataset.part;
    if (part === "subject") {
      const before = subjects()[row.subject];
      row.subject = event.target.value;
      const kind = kindOf(subjects()[row.subject].type);
      const sameKind = before && kindOf(before.type) === kind && kind !== "choice" && kind !== "choices";
      if (!operatorsFor(kind).some(([op]) => op === row.op)) row.op = operatorsFor(kind)[0][0];
      if (!sameKind) row.value = "";
      dropAgainstIfNotComparable(row);
    } else if (part === "op") {
      row.op = event.target.value;
      if (!takesValue(row.op)) row.value = "";
      dropAgainstIfNotComparable(row);
    } else if (part === "against") {
      if (event.target.value) row.against = event.target.value;
      else delete row.against;
      row.value = "";
    } else if (part === "value") {
      // A typed value is already in (see "input"); redrawing now, as the focus leaves it, would
      // swallow the click that moved the focus (on « Retirer », on another list).
      if (event.target.tagName !== "SELECT") return;
      row.value = event.target.value;
    }
    render();
    write();
  });
  // Typed values are written as they are typed, without redrawing (the caret stays put).
  rowsHolder.addEventListener("input", (event) => {
    if (event.target.dataset.part !== "value" || event.target.tagName === "SELECT") return;
    const row = rowOf(event.target);
    if (!row) return;
    row.value = event.target.value;
    summary.textContent = describe();
    write();
    // Once the value is right, its error goes at once (the row is redrawn on change only).
    if (showErrors && rowProblem(row, subjects()) === null) {
      event.target.closest(".condition-row").querySelector(".error")?.remove();
      event.target.removeAttribute("aria-invalid");
      event.target.removeAttribute("aria-describedby");
      status.textContent = "";
    }
  });
  rowsHolder.addEventListener("click", (event) => {
    const button = event.target.closest('[data-part="remove"]');
    if (!button) return;
    const index = Number(button.closest(".condition-row").dataset.index);
    condition.rows.splice(index, 1);
    render();
    write();
    status.textContent = `Condition ${index + 1} retirée.`;
    const next = document.getElementById(`${base}-c${Math.min(index + 1, condition.rows.length)}-question`);
    (next || addButton).focus();
  });

  // An incomplete row would silently be left out of the expression: say which one, and wait.
  form.addEventListener("submit", (event) => {
    if (!condition || root.closest("[hidden]")) return;
    const list = subjects();
    const index = condition.rows.findIndex((row) => rowProblem(row, list) !== null);
    if (index < 0) return;
    event.preventDefault();
    showErrors = true;
    render();
    const number = index + 1;
    status.textContent = `Condition ${number} incomplète : ${rowProblem(condition.rows[index], list)}.`;
    const row = condition.rows[index];
    const target = !list[row.subject] ? `${base}-c${number}-question` : row.against ? `${base}-c${number}-comparer` : `${base}-c${number}-valeur`;
    document.getElementById(target)?.focus();
  });

  render();
}
