/**
 * The controls of a questionnaire, one builder per question type. Used by form-runtime.js.
 *
 * createWidget(question, env) -> widget
 *   env: {id, describedBy(): string, label: string, choices: [{name, label}], readOnly,
 *         commit(value, {invalid: message|null}), blur()}
 *   widget: {element, focusTarget(), setValue(value), setChoices(choices), setInvalid(bool),
 *            refreshDescribedBy(), reset() (number inputs: forget text that was not a number)}
 *
 * Every text shown comes from the definition or the answers and goes in through textContent or
 * attribute values, never as markup.
 */
import { h } from "./dom.js";

// Spaces French writers put in numbers: normal, no-break and narrow no-break.
const NUMBER_SPACES = /[\s\u00a0\u202f]/g;

/** "12", " 1 250 ", "-3" -> integer; "12,5" / "12.5" -> 12.5 for decimals; else null. */
export function parseFrenchNumber(text, integer) {
  const cleaned = String(text).replace(NUMBER_SPACES, "").replace(",", ".");
  if (cleaned === "") return null;
  const pattern = integer ? /^[-+]?\d+$/ : /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
  if (!pattern.test(cleaned)) return null;
  const number = Number(cleaned);
  return Number.isFinite(number) ? number : null;
}

export function formatFrenchNumber(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return value === null || value === undefined ? "" : String(value);
  return String(value).replace(".", ",");
}

function textWidget(question, env, multiline) {
  const input = multiline
    ? h("textarea", { id: env.id, name: env.id, rows: 4 })
    : h("input", { id: env.id, name: env.id, type: "text", autocomplete: "off" });
  if (env.readOnly) input.readOnly = true;
  input.addEventListener("input", () => env.commit(input.value, { invalid: null }));
  input.addEventListener("blur", () => env.blur());
  return {
    element: input,
    focusTarget: () => input,
    setValue(value) {
      const text = value === null || value === undefined ? "" : String(value);
      if (input.value !== text) input.value = text;
    },
    setInvalid(invalid) {
      setInvalidMark(input, invalid);
    },
    refreshDescribedBy() {
      setDescribedBy(input, env.describedBy());
    },
  };
}

function numberWidget(question, env) {
  const integer = question.type === "integer";
  const input = h("input", {
    id: env.id,
    name: env.id,
    type: "text",
    inputmode: integer ? "numeric" : "decimal",
    autocomplete: "off",
    class: "fr-number",
  });
  if (env.readOnly) input.readOnly = true;
  const read = () => {
    const raw = input.value;
    if (raw.trim() === "") return env.commit(null, { invalid: null });
    const number = parseFrenchNumber(raw, integer);
    if (number === null) {
      env.commit(null, {
        invalid: integer
          ? "Saisissez un nombre entier, sans virgule (par exemple 42)."
          : "Saisissez un nombre (par exemple 12,5).",
      });
    } else {
      env.commit(number, { invalid: null });
    }
  };
  input.addEventListener("input", read);
  input.addEventListener("blur", () => env.blur());
  return {
    element: input,
    focusTarget: () => input,
    setValue(value) {
      // Keep what is being typed ("12," on the way to "12,5") when it reads as the same number.
      if (value === null || value === undefined || value === "") {
        if (parseFrenchNumber(input.value, integer) !== null) input.value = "";
        return;
      }
      if (parseFrenchNumber(input.value, integer) !== value) input.value = formatFrenchNumber(value);
    },
    reset() {
      input.value = "";
    },
    setInvalid(invalid) {
      setInvalidMark(input, invalid);
    },
    refreshDescribedBy() {
      setDescribedBy(input, env.describedBy());
    },
  };
}

function dateWidget(question, env) {
  const input = h("input", { id: env.id, name: env.id, type: "date", class: "fr-date" });
  if (env.readOnly) input.readOnly = true;
  const read = () => {
    const value = input.value;
    if (value === "") {
      // A date input is empty both when cleared and when half typed; the browser knows which.
      env.commit(null, { invalid: input.validity && input.validity.badInput ? "Saisissez une date complète (jour, mois, année)." : null });
    } else {
      env.commit(value, { invalid: null });
    }
  };
  input.addEventListener("input", read);
  input.addEventListener("change", read);
  input.addEventListener("blur", () => env.blur());
  return {
    element: input,
    focusTarget: () => input,
    setValue(value) {
      const text = typeof value === "string" ? value : "";
      if (input.value !== text) input.value = text;
    },
    setInvalid(invalid) {
      setInvalidMark(input, invalid);
    },
    refreshDescribedBy() {
      setDescribedBy(input, env.describedBy());
    },
  };
}

function choiceGroupWidget(question, env, multiple) {
  // A fieldset is the accessible group; the question's label is its legend (made by the runtime).
  const list = h("div", { class: multiple ? "fr-choices fr-choices-multiple" : "fr-choices", role: multiple ? "group" : "radiogroup", "aria-labelledby": env.legendId });
  let inputs = [];
  let current = multiple ? [] : null;
  let choices = [];

  const read = () => {
    if (multiple) {
      const picked = inputs.filter((input) => input.checked).map((input) => input.value);
      current = picked;
      env.commit(picked.length ? picked : null, { invalid: null });
    } else {
      const picked = inputs.find((input) => input.checked);
      current = picked ? picked.value : null;
      env.commit(current, { invalid: null });
    }
  };

  const build = () => {
    list.replaceChildren();
    if (!choices.length) {
      // A choice_filter can leave nothing to choose until an earlier question is answered.
      list.append(h("p", { class: "fr-empty muted" }, "Aucun choix proposé pour l'instant : répondez d'abord aux questions précédentes."));
    }
    inputs = choices.map((choice, index) => {
      const id = `${env.id}-${index}`;
      const input = h("input", {
        type: multiple ? "checkbox" : "radio",
        id,
        name: env.id,
        value: choice.name,
        class: "fr-choice-input",
      });
      if (env.readOnly) input.disabled = true;
      input.addEventListener("change", read);
      input.addEventListener("blur", () => env.blur());
      list.append(h("label", { class: "fr-choice", for: id }, input, h("span", { class: "fr-choice-label" }, choice.label)));
      return input;
    });
    apply();
    describe();
  };

  const apply = () => {
    for (const input of inputs) {
      input.checked = multiple ? current.includes(input.value) : current === input.value;
    }
  };
  const describe = () => inputs.forEach((input) => setDescribedBy(input, env.describedBy()));

  choices = env.choices;
  build();
  return {
    element: list,
    focusTarget: () => inputs.find((input) => input.checked) || inputs[0] || list,
    setValue(value) {
      if (multiple) current = Array.isArray(value) ? value.map(String) : typeof value === "string" && value ? value.split(/\s+/) : [];
      else current = value === null || value === undefined || value === "" ? null : String(value);
      apply();
    },
    setChoices(next) {
      const same = next.length === choices.length && next.every((choice, i) => choice.name === choices[i].name && choice.label === choices[i].label);
      if (same) return;
      choices = next;
      build();
    },
    setInvalid(invalid) {
      inputs.forEach((input) => setInvalidMark(input, invalid));
    },
    refreshDescribedBy: describe,
  };
}

function selectWidget(question, env) {
  const select = h("select", { id: env.id, name: env.id });
  if (env.readOnly) select.disabled = true;
  let choices = [];
  let current = null;
  const build = () => {
    select.replaceChildren(h("option", { value: "" }, "— Choisir —"));
    for (const choice of choices) select.append(h("option", { value: choice.name }, choice.label));
    select.value = current !== null && choices.some((c) => c.name === current) ? current : "";
  };
  select.addEventListener("change", () => {
    current = select.value || null;
    env.commit(current, { invalid: null });
  });
  select.addEventListener("blur", () => env.blur());
  choices = env.choices;
  build();
  return {
    element: select,
    focusTarget: () => select,
    setValue(value) {
      current = value === null || value === undefined || value === "" ? null : String(value);
      select.value = current !== null && choices.some((c) => c.name === current) ? current : "";
    },
    setChoices(next) {
      const same = next.length === choices.length && next.every((choice, i) => choice.name === choices[i].name && choice.label === choices[i].label);
      if (!same) {
        choices = next;
        build();
      }
    },
    setInvalid(invalid) {
      setInvalidMark(select, invalid);
    },
    refreshDescribedBy() {
      setDescribedBy(select, env.describedBy());
    },
  };
}

/** The points of a rating: from a choice list (Likert labels) when there is one, else start..end. */
export function ratingPoints(question, choices) {
  if (choices && choices.length) {
    return choices.map((choice, index) => {
      const number = parseFrenchNumber(choice.name, true);
      const value = number === null ? Number(question.start ?? 1) + index * Number(question.step || 1) : number;
      return { value, label: choice.label, showNumber: choice.label !== String(value) };
    });
  }
  const start = Number.isFinite(Number(question.start)) ? Number(question.start) : 1;
  const end = Number.isFinite(Number(question.end)) ? Number(question.end) : 5;
  const step = Math.abs(Number(question.step)) || 1;
  const points = [];
  const direction = end >= start ? 1 : -1;
  for (let value = start; direction > 0 ? value <= end : value >= end; value += step * direction) {
    points.push({ value, label: String(value), showNumber: false });
    if (points.length > 100) break;
  }
  return points;
}

function ratingWidget(question, env) {
  const list = h("div", { class: "fr-rating", role: "radiogroup", "aria-labelledby": env.legendId });
  let current = null;
  let inputs = [];
  let points = [];
  const build = () => {
    list.replaceChildren();
    list.classList.toggle("fr-rating-labelled", points.some((point) => point.showNumber));
    inputs = points.map((point, index) => {
      const id = `${env.id}-${index}`;
      const input = h("input", { type: "radio", id, name: env.id, value: String(point.value), class: "fr-choice-input" });
      if (env.readOnly) input.disabled = true;
      input.addEventListener("change", () => {
        current = point.value;
        env.commit(point.value, { invalid: null });
      });
      input.addEventListener("blur", () => env.blur());
      const text = point.showNumber
        ? [h("span", { class: "fr-rating-number" }, String(point.value)), h("span", { class: "fr-rating-text" }, point.label)]
        : [h("span", { class: "fr-rating-number" }, point.label)];
      list.append(h("label", { class: "fr-rating-point", for: id }, input, ...text));
      return input;
    });
    apply();
    describe();
  };
  const apply = () => inputs.forEach((input) => {
    input.checked = current !== null && Number(input.value) === current;
  });
  const describe = () => inputs.forEach((input) => setDescribedBy(input, env.describedBy()));
  points = ratingPoints(question, env.choices);
  build();
  return {
    element: list,
    focusTarget: () => inputs.find((input) => input.checked) || inputs[0] || list,
    setValue(value) {
      const number = typeof value === "number" ? value : parseFrenchNumber(value ?? "", true);
      current = number === null ? null : number;
      apply();
    },
    setChoices(next) {
      points = ratingPoints(question, next);
      build();
    },
    setInvalid(invalid) {
      inputs.forEach((input) => setInvalidMark(input, invalid));
    },
    refreshDescribedBy: describe,
  };
}

/** Whether the question's control is a group of inputs (labelled by a legend) or a single one. */
export function usesLegend(question) {
  if (question.type === "select_one") return !isMinimal(question);
  return question.type === "select_multiple" || question.type === "rating";
}

function isMinimal(question) {
  return String(question.appearance || "").split(/\s+/).includes("minimal");
}

export function createWidget(question, env) {
  switch (question.type) {
    case "paragraph":
      return textWidget(question, env, true);
    case "integer":
    case "decimal":
      return numberWidget(question, env);
    case "date":
      return dateWidget(question, env);
    case "select_one":
      return isMinimal(question) ? selectWidget(question, env) : choiceGroupWidget(question, env, false);
    case "select_multiple":
      return choiceGroupWidget(question, env, true);
    case "rating":
      return ratingWidget(question, env);
    default:
      return textWidget(question, env, String(question.appearance || "").includes("multiline"));
  }
}

/** aria-invalid, written only when it changes: a page redrawn as the respondent types does not
 * touch the fields that did not change. */
function setInvalidMark(element, invalid) {
  const value = invalid ? "true" : "false";
  if (element.getAttribute("aria-invalid") !== value) element.setAttribute("aria-invalid", value);
}

function setDescribedBy(element, ids) {
  if (ids) element.setAttribute("aria-describedby", ids);
  else element.removeAttribute("aria-describedby");
}
