/**
 * A questionnaire as a respondent sees it: the designer's live preview, the tablet interview (its
 * answers kept in IndexedDB drafts by the caller) and the typing of paper questionnaires all mount
 * the same runtime.
 *
 *   import { mountForm } from "/static/js/form-runtime.js";
 *   const form = mountForm(element, definition, {
 *     language: "fr",              // labels in this language, else the definition's default one
 *     answers: {},                 // answers to start from (a draft); none: defaults are applied
 *     mode: "pages",               // "pages": one page per top-level group (the questions
 *                                  // between groups make one page); "single": all of them at once
 *     onChange(answers, state) {}, // after every change; state = {pageIndex, pageCount, path}
 *     onSubmit(answers) {},        // if given, the last page shows « Terminer », which validates
 *     today: "2025-03-14",         // the date today() returns (default: the device's date)
 *     navigation: true,            // false: no Précédent/Suivant buttons (the host has its own)
 *   });
 *
 * `definition` is questionnaires.Questionnaire.to_dict(): {children: [{kind: "group"|"question",
 * ...}], choice_lists: {name: {choices: [{name, label, properties}]}}, languages, default_language}.
 *
 * The controller:
 *   getAnswers() -> answers          the shared answer contract: keyed by question name, integer
 *                                    and rating as numbers, select_multiple as a list, a repeat as
 *                                    a list of dicts, unanswered questions absent
 *   setAnswers(answers)              replaces every answer (e.g. a draft reloaded)
 *   validate() -> [{path, code, message}]      every relevant question, errors shown on the page
 *   validatePage() -> [...]                    the same for the current page only
 *   next() -> bool                   validates the page, then moves to the next relevant one;
 *                                    false when the page has errors or is the last (or "single")
 *   previous() -> bool, goTo(index) -> bool
 *   pageIndex, pageCount             (getters; "single" is one page)
 *   setLanguage(language)
 *   destroy()
 * Error codes: "required", "constraint", "type" (text that is not a number or a date), as the
 * server's validate_answers names them; messages are those of the definition, else French.
 * Paths: "name" or "repeat[i]/name" (0-based), as on the server.
 *
 * Rules evaluated live, with expressions.js (the port of the server's evaluator): relevance
 * (non-relevant questions and groups are hidden and their answers dropped), constraints, required,
 * calculations, defaults, choice_filter on choice properties, repeats with repeat_count, and
 * ${name} in labels and hints. Every text of the definition or the answers is put in the page
 * as text (textContent, attribute values), never as markup.
 */
import { XDate, evaluate, parse, parseChoiceFilter, toBoolean, toNumber, toString } from "./expressions.js";
import { createWidget, el, parseFrenchNumber, usesLegend } from "./form-widgets.js";

let mountCounter = 0;

const REQUIRED_MESSAGE = "Cette question est obligatoire.";
const CONSTRAINT_MESSAGE = "Cette réponse n'est pas acceptée.";
const MAX_REPEAT_COUNT = 200;
const TRUE_WORDS = ["yes", "true", "true()", "1", "oui"];
const FALSE_WORDS = ["", "no", "false", "false()", "0", "non"];

export function mountForm(element, definition, options = {}) {
  mountCounter += 1;
  const idPrefix = `fr${mountCounter}`;
  const mode = options.mode === "single" ? "single" : "pages";
  const showNavigation = options.navigation !== false;
  const defaultLanguage = definition.default_language || (definition.languages || [])[0] || "fr";
  let language = options.language || defaultLanguage;

  const choiceLists = definition.choice_lists || {};
  // The sections are the same in both modes; "single" shows them all as one page.
  const pages = buildPages(definition.children || []);
  const parsedCache = new Map();
  const repeatFields = repeatFieldsOfDefinition(definition.children || []);

  let answers = {};
  let currentPage = 0;
  // State that outlives a re-render, keyed by answer path: text that did not read as a value,
  // and how far errors are shown ("blur": type and constraint; "all": required too).
  const transient = new Map();
  let bindings = new Map();
  let groupViews = new Map();
  let pageViews = [];
  let summary = null;
  let nav = null;
  let lastStatus = null;

  // --- expressions --------------------------------------------------------------------------

  function compiled(text, choiceFilter = false) {
    const key = (choiceFilter ? "filter:" : "expr:") + text;
    if (!parsedCache.has(key)) {
      try {
        parsedCache.set(key, choiceFilter ? parseChoiceFilter(text) : parse(text));
      } catch (error) {
        // A broken rule must not break the interview: the designer reports it where it is written.
        console.warn(`Expression ignorée « ${text} » :`, error.message);
        parsedCache.set(key, null);
      }
    }
    return parsedCache.get(key);
  }

  function run(text, scope, extra = {}) {
    const ast = compiled(text, Boolean(extra.columns));
    if (!ast) return undefined;
    try {
      return evaluate(ast, answers, { context: scope.context || undefined, today: options.today, repeatFields, ...extra });
    } catch (error) {
      console.warn(`Expression non évaluée « ${text} » :`, error.message);
      return undefined;
    }
  }

  function isRelevant(node, scope) {
    if (!node.relevant || !String(node.relevant).trim()) return true;
    const value = run(node.relevant, scope);
    return value === undefined ? true : toBoolean(value);
  }

  /** XLSForm's required: yes/true()/1, or an expression. */
  function isRequired(question, scope) {
    const required = question.required;
    if (typeof required === "boolean") return required;
    const text = String(required ?? "").trim();
    if (TRUE_WORDS.includes(text.toLowerCase())) return true;
    if (FALSE_WORDS.includes(text.toLowerCase())) return false;
    const value = run(text, scope);
    return value === undefined ? true : toBoolean(value);
  }

  // --- text in the chosen language -------------------------------------------------------------

  function translated(translations) {
    if (!translations || typeof translations !== "object") return typeof translations === "string" ? translations : "";
    if (translations[language]) return translations[language];
    if (translations[defaultLanguage]) return translations[defaultLanguage];
    const first = Object.values(translations).find((text) => text);
    return first || "";
  }

  /** Labels may show answers, as in XLSForm: "Quel âge a ${prenom} ?". */
  function interpolate(text, scope) {
    if (!text.includes("${")) return text;
    return text.replace(/\$\{([^}\s]+)\}/g, (whole, name) => {
      const value = run(whole, scope);
      if (value === undefined) return "";
      if (typeof value === "number") return String(value).replace(".", ",");
      return toString(value);
    });
  }

  function choicesOf(question) {
    const list = choiceLists[question.choice_list];
    if (!list) return [];
    return (list.choices || []).map((choice) => ({
      name: String(choice.name),
      label: translated(choice.label) || String(choice.name),
      properties: choice.properties || {},
    }));
  }

  function filteredChoices(question, scope) {
    const all = choicesOf(question);
    const filter = String(question.choice_filter || "").trim();
    if (!filter) return all;
    return all.filter((choice) => {
      const value = run(filter, scope, { columns: { ...choice.properties, name: choice.name } });
      return value === undefined ? true : toBoolean(value);
    });
  }

  // --- answers ------------------------------------------------------------------------------

  function normalise(question, value) {
    if (value === null || value === undefined || value === "") return undefined;
    switch (question.type) {
      case "integer":
      case "rating": {
        const number = typeof value === "number" ? value : parseFrenchNumber(value, true);
        return number === null || !Number.isInteger(number) ? undefined : number;
      }
      case "decimal": {
        const number = typeof value === "number" ? value : parseFrenchNumber(value, false);
        return number === null || !Number.isFinite(number) ? undefined : number;
      }
      case "select_multiple": {
        const list = Array.isArray(value) ? value.map(String) : String(value).split(/\s+/);
        const names = list.filter(Boolean);
        return names.length ? names : undefined;
      }
      case "note":
        return undefined;
      case "calculate":
        // As the server stores a computed value: dates as text, no NaN or infinity.
        if (value instanceof XDate) return value.toString();
        if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
        return typeof value === "boolean" ? value : String(value);
      default:
        return String(value);
    }
  }

  function defaultValue(question, scope) {
    const text = String(question.default ?? "").trim();
    if (!text) return undefined;
    // A default is a plain value ("Tours", "3"), or an expression when it reads as one (today()).
    let value = text;
    if (/[(${}]/.test(text) || /^['"]/.test(text)) {
      const computed = run(text, scope);
      if (computed === undefined) return undefined;
      value = typeof computed === "number" ? computed : toString(computed);
    }
    return normalise(question, value);
  }

  function applyDefaults(children, instance, scope) {
    for (const node of children) {
      if (node.kind === "group") {
        if (!node.repeat) applyDefaults(node.children || [], instance, scope);
        continue;
      }
      if (node.type === "calculate" || node.type === "note") continue;
      if (instance[node.name] === undefined) {
        const value = defaultValue(node, scope);
        if (value !== undefined) instance[node.name] = value;
      }
    }
  }

  /** Answers as given, read into the contract's types, and limited to what the form asks. */
  function loadAnswers(given, children, target) {
    for (const node of children) {
      if (node.kind === "group") {
        if (node.repeat) {
          const instances = Array.isArray(given?.[node.name]) ? given[node.name] : [];
          target[node.name] = instances
            .filter((item) => item && typeof item === "object")
            .map((item) => loadAnswers(item, node.children || [], {}));
        } else {
          loadAnswers(given, node.children || [], target);
        }
      } else if (given && given[node.name] !== undefined) {
        const value = normalise(node, given[node.name]);
        if (value !== undefined) target[node.name] = value;
      }
    }
    return target;
  }

  function exportAnswers(children, source, target) {
    for (const node of children) {
      if (node.kind === "group") {
        if (node.repeat) {
          const instances = Array.isArray(source[node.name]) ? source[node.name] : [];
          if (instances.length) target[node.name] = instances.map((instance) => exportAnswers(node.children || [], instance, {}));
        } else {
          exportAnswers(node.children || [], source, target);
        }
      } else if (node.type !== "note") {
        const value = source[node.name];
        if (value === undefined || value === null || value === "") continue;
        if (Array.isArray(value) && !value.length) continue;
        target[node.name] = Array.isArray(value) ? [...value] : value;
      }
    }
    return target;
  }

  // --- the rules, evaluated over the whole answer set ------------------------------------------

  /**
   * Walks the definition against the answers in document order: drops the answers of what is not
   * relevant, computes calculations, sizes repeats with repeat_count, filters choices.
   * Returns the status of every path, and whether repeats changed size.
   */
  function compute() {
    let status;
    let structural = false;
    for (let pass = 0; pass < 4; pass += 1) {
      status = new Map();
      let changed = false;
      const visit = (children, instance, scope, parentRelevant) => {
        for (const node of children) {
          const path = scope.prefix + node.name;
          const relevant = parentRelevant && isRelevant(node, scope);
          if (node.kind === "group") {
            status.set(path, { relevant, node, scope });
            if (node.repeat) {
              if (!relevant) {
                if (instance[node.name] !== undefined) {
                  delete instance[node.name];
                  structural = true;
                  changed = true;
                }
                continue;
              }
              if (!Array.isArray(instance[node.name])) instance[node.name] = [];
              const instances = instance[node.name];
              if (node.repeat_count && String(node.repeat_count).trim()) {
                const wanted = repeatCount(node, scope);
                if (wanted !== null && wanted !== instances.length) {
                  while (instances.length > wanted) instances.pop();
                  while (instances.length < wanted) {
                    instances.push({});
                    const childScope = instanceScope(scope, node.name, instances.length - 1);
                    applyDefaults(node.children || [], instances[instances.length - 1], childScope);
                  }
                  structural = true;
                  changed = true;
                }
              }
              instances.forEach((child, index) => {
                visit(node.children || [], child, instanceScope(scope, node.name, index), true);
              });
            } else {
              visit(node.children || [], instance, scope, relevant);
            }
            continue;
          }
          const entry = { relevant, node, scope };
          status.set(path, entry);
          if (!relevant) {
            if (instance[node.name] !== undefined) {
              delete instance[node.name];
              changed = true;
            }
            continue;
          }
          if (node.type === "calculate" && node.calculation) {
            const value = normalise(node, run(node.calculation, scope));
            if (!sameValue(instance[node.name], value)) {
              if (value === undefined) delete instance[node.name];
              else instance[node.name] = value;
              changed = true;
            }
          } else if (node.type !== "calculate" && node.calculation && String(node.calculation).trim()) {
            // A shown question with a calculation (read-only total, for instance).
            const value = normalise(node, run(node.calculation, scope));
            if (!sameValue(instance[node.name], value)) {
              if (value === undefined) delete instance[node.name];
              else instance[node.name] = value;
              changed = true;
            }
          }
          if (node.type === "select_one" || node.type === "select_multiple" || (node.type === "rating" && node.choice_list)) {
            entry.choices = filteredChoices(node, scope);
            const allowed = new Set(entry.choices.map((choice) => choice.name));
            const value = instance[node.name];
            if (node.choice_filter && value !== undefined) {
              if (node.type === "select_multiple" && Array.isArray(value)) {
                const kept = value.filter((name) => allowed.has(name));
                if (kept.length !== value.length) {
                  if (kept.length) instance[node.name] = kept;
                  else delete instance[node.name];
                  changed = true;
                }
              } else if (node.type === "select_one" && !allowed.has(String(value))) {
                delete instance[node.name];
                changed = true;
              }
            }
          }
        }
      };
      visit(definition.children || [], answers, rootScope(), true);
      if (!changed) break;
    }
    return { status, structural };
  }

  function repeatCount(node, scope) {
    const value = run(node.repeat_count, scope);
    if (value === undefined) return null;
    const number = Math.trunc(toNumber(value));
    if (!Number.isFinite(number) || number < 0) return 0;
    return Math.min(number, MAX_REPEAT_COUNT);
  }

  function rootScope() {
    return { context: "", prefix: "" };
  }

  function instanceScope(scope, repeatName, index) {
    const step = `${repeatName}[${index}]`;
    return { context: scope.context ? `${scope.context}/${step}` : step, prefix: `${scope.prefix}${step}/` };
  }

  function instanceAt(scope) {
    // The dict holding the answers of `scope` (the top-level answers or a repeat instance).
    let instance = answers;
    if (!scope.context) return instance;
    for (const part of scope.context.split("/")) {
      const match = /^(.+)\[(\d+)\]$/.exec(part);
      instance = instance?.[match[1]]?.[Number(match[2])];
    }
    return instance;
  }

  // --- errors -----------------------------------------------------------------------------

  function errorOf(path, entry, includeRequired) {
    if (!entry || !entry.relevant) return null;
    const question = entry.node;
    if (question.kind === "group" || question.type === "note" || question.type === "calculate") return null;
    const instance = instanceAt(entry.scope);
    const value = instance ? instance[question.name] : undefined;
    const pending = transient.get(path);
    if (pending && pending.invalid) return { code: "type", message: pending.invalid };
    const empty = value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length);
    if (empty) {
      if (includeRequired && isRequired(question, entry.scope)) {
        return { code: "required", message: translated(question.required_message) || REQUIRED_MESSAGE };
      }
      return null;
    }
    if (question.constraint && String(question.constraint).trim()) {
      const verdict = run(question.constraint, entry.scope, { current: value });
      if (verdict !== undefined && !toBoolean(verdict)) {
        return { code: "constraint", message: interpolate(translated(question.constraint_message) || CONSTRAINT_MESSAGE, entry.scope) };
      }
    }
    return null;
  }

  function collectErrors(paths, show) {
    const { status } = lastStatus;
    const errors = [];
    for (const [path, entry] of status) {
      if (paths && !paths(path, entry)) continue;
      const error = errorOf(path, entry, true);
      if (show) {
        const state = transient.get(path) || {};
        if (entry.node.kind === "question") transient.set(path, { ...state, shown: "all" });
      }
      if (error) errors.push({ path, code: error.code, message: error.message });
    }
    return errors;
  }

  // --- rendering ------------------------------------------------------------------------------

  function domId(path) {
    return `${idPrefix}-${path.replace(/[^A-Za-z0-9_-]+/g, "-")}`;
  }

  function render() {
    bindings = new Map();
    groupViews = new Map();
    pageViews = [];
    const root = el("div", { class: `fr-form fr-mode-${mode}`, lang: language });
    if (mode === "pages" && pages.length > 1) {
      root.append(el("p", { class: "fr-progress", "aria-live": "polite" }));
    }
    summary = el("div", { class: "fr-summary", tabindex: "-1", hidden: true });
    root.append(summary);
    pages.forEach((page, index) => {
      const section = el("section", { class: "fr-page", "data-page": index });
      if (page.group) {
        const heading = el("h2", { class: "fr-page-title", tabindex: "-1", id: domId(page.group.name) + "-titre" });
        section.append(heading);
        const hint = translated(page.group.hint);
        if (hint) section.append(el("p", { class: "fr-hint", text: hint }));
        if (page.group.repeat) {
          renderRepeat(page.group, section, rootScope(), true);
        } else {
          renderChildren(page.group.children || [], section, rootScope());
        }
        groupViews.set(page.group.name, { node: page.group, element: section, heading, scope: rootScope() });
      } else {
        renderChildren(page.items, section, rootScope());
      }
      pageViews.push(section);
      root.append(section);
    });
    if (mode === "pages" && showNavigation) {
      nav = el("nav", { class: "fr-nav", "aria-label": "Pages du questionnaire" });
      const back = el("button", { type: "button", class: "button secondary fr-previous", text: "Précédent" });
      back.addEventListener("click", () => controller.previous());
      const forward = el("button", { type: "button", class: "button fr-next", text: "Suivant" });
      forward.addEventListener("click", () => controller.next());
      nav.append(back, forward);
      if (options.onSubmit) {
        const finish = el("button", { type: "button", class: "button fr-finish", text: "Terminer" });
        finish.addEventListener("click", () => finishForm());
        nav.append(finish);
      }
      root.append(nav);
    } else if (options.onSubmit) {
      nav = el("nav", { class: "fr-nav" });
      const finish = el("button", { type: "button", class: "button fr-finish", text: "Terminer" });
      finish.addEventListener("click", () => finishForm());
      nav.append(finish);
      root.append(nav);
    } else {
      nav = null;
    }
    element.replaceChildren(root);
  }

  function renderChildren(children, container, scope) {
    for (const node of children) {
      if (node.kind === "group") {
        if (node.repeat) {
          const wrapper = el("div", { class: "fr-repeat-block" });
          renderRepeat(node, wrapper, scope, false);
          container.append(wrapper);
          groupViews.set(scope.prefix + node.name, { node, element: wrapper, scope });
        } else {
          const legendId = domId(scope.prefix + node.name) + "-legende";
          const fieldset = el("fieldset", { class: "fr-group" });
          const legend = el("legend", { id: legendId });
          fieldset.append(legend);
          const hint = translated(node.hint);
          if (hint) fieldset.append(el("p", { class: "fr-hint", text: hint }));
          renderChildren(node.children || [], fieldset, scope);
          container.append(fieldset);
          groupViews.set(scope.prefix + node.name, { node, element: fieldset, heading: legend, scope });
        }
      } else if (node.type !== "calculate") {
        container.append(renderQuestion(node, scope));
      }
    }
  }

  function renderRepeat(group, container, scope, isPage) {
    const label = translated(group.label) || group.name;
    if (!isPage) container.append(el("h3", { class: "fr-repeat-title", text: label }));
    const instances = instanceAt(scope)?.[group.name] || [];
    const fixed = Boolean(group.repeat_count && String(group.repeat_count).trim());
    const list = el("div", { class: "fr-repeat" });
    instances.forEach((instance, index) => {
      const childScope = instanceScope(scope, group.name, index);
      const legendText = `${label} ${index + 1}`;
      const fieldset = el("fieldset", { class: "fr-repeat-instance", "data-path": `${scope.prefix}${group.name}[${index}]` });
      fieldset.append(el("legend", { text: legendText }));
      renderChildren(group.children || [], fieldset, childScope);
      if (!fixed && !group.read_only) {
        const remove = el("button", { type: "button", class: "button secondary fr-remove", text: `Supprimer « ${legendText} »` });
        let armed = false;
        remove.addEventListener("click", () => {
          // Two steps: a touch too many on a tablet must not lose a household member's answers.
          if (!armed) {
            armed = true;
            remove.textContent = `Confirmer la suppression de « ${legendText} »`;
            remove.classList.add("danger");
            return;
          }
          removeInstance(scope, group, index);
        });
        remove.addEventListener("blur", () => {
          armed = false;
          remove.textContent = `Supprimer « ${legendText} »`;
          remove.classList.remove("danger");
        });
        fieldset.append(el("div", { class: "fr-repeat-actions" }, [remove]));
      }
      list.append(fieldset);
    });
    if (!instances.length) {
      list.append(el("p", { class: "fr-empty muted", text: fixed ? "Aucun élément à renseigner." : "Aucun élément pour l'instant." }));
    }
    container.append(list);
    if (!fixed) {
      const add = el("button", { type: "button", class: "button secondary fr-add", text: `Ajouter : ${label}` });
      add.addEventListener("click", () => addInstance(scope, group));
      container.append(add);
    }
  }

  function renderQuestion(question, scope) {
    const path = scope.prefix + question.name;
    const id = domId(path);
    const wrapper = el("div", { class: `fr-question fr-type-${question.type}`, "data-path": path, "data-name": question.name });
    const labelTemplate = translated(question.label) || question.name;
    const hintTemplate = translated(question.hint);
    const hintId = `${id}-aide`;
    const errorId = `${id}-erreur`;
    const legendId = `${id}-legende`;
    const labelText = el("span", { class: "fr-label-text" });
    const mayBeRequired = question.required === true || (typeof question.required === "string" && !FALSE_WORDS.includes(question.required.trim().toLowerCase()));
    const requiredMark = mayBeRequired ? el("span", { class: "fr-required", text: "obligatoire" }) : null;
    const hint = hintTemplate ? el("p", { class: "fr-hint", id: hintId }) : null;
    const error = el("p", { class: "fr-error", id: errorId, hidden: true });
    const binding = { question, scope, path, wrapper, labelText, labelTemplate, hint, hintTemplate, error, requiredMark, widget: null };

    if (question.type === "note") {
      wrapper.append(el("p", { class: "fr-note" }, [labelText]));
      if (hint) wrapper.append(hint);
      bindings.set(path, binding);
      return wrapper;
    }

    const env = {
      id,
      legendId,
      readOnly: Boolean(question.read_only) || Boolean(question.calculation && String(question.calculation).trim()),
      choices: question.choice_list ? choicesOf(question) : [],
      describedBy: () => [hint ? hintId : null, error.hidden ? null : errorId].filter(Boolean).join(" "),
      commit: (value, { invalid }) => onInput(binding, value, invalid),
      blur: () => onBlur(binding),
    };
    const widget = createWidget(question, env);
    binding.widget = widget;
    if (usesLegend(question)) {
      const fieldset = el("fieldset", { class: "fr-field" });
      fieldset.append(el("legend", { id: legendId, class: "fr-label" }, [labelText, requiredMark && " ", requiredMark]));
      if (hint) fieldset.append(hint);
      fieldset.append(error, widget.element);
      wrapper.append(fieldset);
    } else {
      wrapper.append(el("label", { for: id, class: "fr-label", id: legendId }, [labelText, requiredMark && " ", requiredMark]));
      if (hint) wrapper.append(hint);
      wrapper.append(error, widget.element);
    }
    widget.refreshDescribedBy();
    bindings.set(path, binding);
    return wrapper;
  }

  // --- keeping the page in step with the answers ----------------------------------------------

  function refresh({ allowRerender = true } = {}) {
    const result = compute();
    lastStatus = result;
    if (result.structural && allowRerender) {
      const focusedPath = document.activeElement?.closest?.(".fr-question")?.dataset.path;
      render();
      lastStatus = compute();
      sync();
      if (focusedPath && bindings.get(focusedPath)?.widget) bindings.get(focusedPath).widget.focusTarget().focus();
      return;
    }
    sync();
  }

  function sync() {
    const { status } = lastStatus;
    for (const [path, view] of groupViews) {
      const entry = status.get(path);
      const relevant = entry ? entry.relevant : true;
      view.element.hidden = !relevant;
      if (view.heading) {
        const text = interpolate(translated(view.node.label) || "", view.scope);
        if (view.heading.textContent !== text) view.heading.textContent = text;
        view.heading.hidden = !text;
      }
    }
    for (const [path, binding] of bindings) {
      const entry = status.get(path);
      const relevant = entry ? entry.relevant : false;
      binding.wrapper.hidden = !relevant;
      const label = interpolate(binding.labelTemplate, binding.scope);
      if (binding.labelText.textContent !== label) binding.labelText.textContent = label;
      if (binding.hint) {
        const hint = interpolate(binding.hintTemplate, binding.scope);
        if (binding.hint.textContent !== hint) binding.hint.textContent = hint;
      }
      if (!binding.widget) continue;
      if (!relevant && transient.has(path)) {
        // Text that did not read as a number goes with the question it was typed in.
        transient.delete(path);
        binding.widget.reset?.();
      }
      if (binding.requiredMark && relevant) {
        const required = isRequired(binding.question, binding.scope);
        binding.requiredMark.hidden = !required;
        // A checkbox group (role=group) cannot take aria-required: its legend says « obligatoire ».
        if (binding.widget.element.getAttribute("role") !== "group") {
          binding.widget.element.setAttribute("aria-required", required ? "true" : "false");
        }
      }
      if (entry && entry.choices && binding.widget.setChoices) binding.widget.setChoices(entry.choices);
      const instance = instanceAt(binding.scope);
      const pending = transient.get(path);
      if (!(pending && pending.invalid)) binding.widget.setValue(instance ? instance[binding.question.name] : undefined);
      showError(binding, entry);
    }
    updatePages();
  }

  function showError(binding, entry) {
    const state = transient.get(binding.path) || {};
    let error = null;
    if (state.shown && entry && entry.relevant) error = errorOf(binding.path, entry, state.shown === "all");
    const text = error ? error.message : "";
    const wasHidden = binding.error.hidden;
    binding.error.textContent = text;
    binding.error.hidden = !error;
    binding.wrapper.classList.toggle("fr-invalid", Boolean(error));
    binding.widget.setInvalid(Boolean(error));
    if (wasHidden !== binding.error.hidden) binding.widget.refreshDescribedBy();
  }

  function onInput(binding, value, invalid) {
    const instance = instanceAt(binding.scope);
    if (!instance) return;
    const state = transient.get(binding.path) || {};
    transient.set(binding.path, { ...state, invalid });
    const normalised = normalise(binding.question, value);
    if (normalised === undefined) delete instance[binding.question.name];
    else instance[binding.question.name] = normalised;
    refresh();
    if (!summary.hidden) updateSummary();
    notify(binding.path);
  }

  // An error shown when a field is left moves what is below it: a finger already pressing
  // « Suivant » would lift elsewhere and the tap be lost. While a pointer is down, errors wait.
  let pointerDown = false;
  let waitingBlurs = [];
  const onPointerDown = () => {
    pointerDown = true;
  };
  const onPointerUp = () => {
    if (!pointerDown) return;
    pointerDown = false;
    setTimeout(() => {
      const waiting = waitingBlurs;
      waitingBlurs = [];
      for (const binding of waiting) {
        if (bindings.get(binding.path) === binding) showError(binding, lastStatus.status.get(binding.path));
      }
    }, 0);
  };
  element.addEventListener("pointerdown", onPointerDown, true);
  document.addEventListener("pointerup", onPointerUp, true);
  document.addEventListener("pointercancel", onPointerUp, true);

  function onBlur(binding) {
    const state = transient.get(binding.path) || {};
    if (!state.shown) {
      transient.set(binding.path, { ...state, shown: "blur" });
      if (pointerDown) waitingBlurs.push(binding);
      else showError(binding, lastStatus.status.get(binding.path));
    }
  }

  function addInstance(scope, group) {
    const instance = instanceAt(scope);
    if (!Array.isArray(instance[group.name])) instance[group.name] = [];
    const instances = instance[group.name];
    const created = {};
    instances.push(created);
    const childScope = instanceScope(scope, group.name, instances.length - 1);
    applyDefaults(group.children || [], created, childScope);
    render();
    lastStatus = compute();
    sync();
    const fieldset = element.querySelector(`[data-path="${cssEscape(childScope.prefix.slice(0, -1))}"]`);
    const first = fieldset && fieldset.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    notify(childScope.prefix.slice(0, -1));
  }

  function removeInstance(scope, group, index) {
    const instance = instanceAt(scope);
    const instances = instance[group.name] || [];
    instances.splice(index, 1);
    // Later instances move up one place: their transient state moves with them.
    const base = `${scope.prefix}${group.name}[`;
    const moved = new Map();
    for (const [path, state] of transient) {
      if (!path.startsWith(base)) {
        moved.set(path, state);
        continue;
      }
      const match = /^(\d+)\](.*)$/.exec(path.slice(base.length));
      const position = Number(match[1]);
      if (position < index) moved.set(path, state);
      else if (position > index) moved.set(`${base}${position - 1}]${match[2]}`, state);
    }
    transient.clear();
    for (const [path, state] of moved) transient.set(path, state);
    render();
    lastStatus = compute();
    sync();
    const add = groupViews.get(scope.prefix + group.name)?.element.querySelector(".fr-add");
    if (add) add.focus();
    notify(`${scope.prefix}${group.name}`);
  }

  function notify(path) {
    if (options.onChange) options.onChange(controller.getAnswers(), { pageIndex: controller.pageIndex, pageCount: controller.pageCount, path });
  }

  // --- pages ------------------------------------------------------------------------------

  function pagePaths(index) {
    const page = pages[index];
    const names = new Set((page.group ? [page.group] : page.items).map((node) => node.name));
    return (path) => names.has(path.split("/")[0].replace(/\[\d+\]$/, "")) || [...names].some((name) => isInside(path, name));
  }

  function isInside(path, topName) {
    // Questions of a non-repeat top-level group have bare paths: look their group up.
    const name = path.split("/")[0].replace(/\[\d+\]$/, "");
    return topLevelOf.get(name) === topName;
  }

  const topLevelOf = new Map();
  for (const top of definition.children || []) {
    const mark = (node) => {
      topLevelOf.set(node.name, top.name);
      if (node.kind === "group") (node.children || []).forEach(mark);
    };
    mark(top);
  }

  function pageRelevant(index) {
    const page = pages[index];
    const { status } = lastStatus;
    if (page.group) return status.get(page.group.name)?.relevant !== false;
    return page.items.some((node) => node.type !== "calculate" && status.get(node.name)?.relevant !== false);
  }

  function updatePages() {
    pageViews.forEach((section, index) => {
      section.hidden = mode === "pages" ? index !== currentPage : section.hidden;
    });
    if (mode === "single") {
      pageViews.forEach((section, index) => {
        section.hidden = !pageRelevant(index);
      });
    }
    const progress = element.querySelector(".fr-progress");
    if (progress) {
      const visible = pages.map((_, index) => index).filter(pageRelevant);
      const position = visible.indexOf(currentPage) + 1;
      progress.textContent = `Page ${position} sur ${visible.length}`;
    }
    if (nav) {
      const previous = nav.querySelector(".fr-previous");
      const next = nav.querySelector(".fr-next");
      const finish = nav.querySelector(".fr-finish");
      const last = findPage(currentPage, 1) === null;
      if (previous) previous.hidden = findPage(currentPage, -1) === null;
      if (next) next.hidden = last;
      if (finish) finish.hidden = mode === "pages" && !last;
    }
  }

  function findPage(from, direction) {
    for (let index = from + direction; index >= 0 && index < pages.length; index += direction) {
      if (pageRelevant(index)) return index;
    }
    return null;
  }

  function showPage(index, focus) {
    currentPage = index;
    hideSummary();
    updatePages();
    if (focus) {
      const section = pageViews[index];
      const heading = section && section.querySelector(".fr-page-title:not([hidden])");
      if (heading) heading.focus({ preventScroll: true });
      if (section && section.scrollIntoView) element.scrollIntoView({ block: "start" });
    }
    notify("");
  }

  // --- the summary of errors ------------------------------------------------------------------

  function hideSummary() {
    summary.hidden = true;
    summary.replaceChildren();
    summary.removeAttribute("role");
  }

  function updateSummary() {
    const errors = summary.dataset.scope === "all" ? collectErrors(null, false) : collectErrors(pagePaths(currentPage), false);
    if (!errors.length) return hideSummary();
    fillSummary(errors);
  }

  function fillSummary(errors) {
    summary.replaceChildren();
    const count = errors.length;
    summary.append(el("p", { class: "fr-summary-title", text: count === 1 ? "Une réponse est à compléter ou à corriger :" : `${count} réponses sont à compléter ou à corriger :` }));
    const list = el("ul");
    for (const error of errors) {
      const binding = bindings.get(error.path);
      const label = binding ? binding.labelText.textContent : error.path;
      const link = el("a", { href: `#${domId(error.path)}`, text: `${label} : ${error.message}` });
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const target = bindings.get(error.path);
        if (target?.widget) {
          const page = pageOfPath(error.path);
          if (mode === "pages" && page !== null && page !== currentPage) showPage(page, false);
          target.widget.focusTarget().focus();
        }
      });
      list.append(el("li", {}, [link]));
    }
    summary.append(list);
    summary.hidden = false;
    summary.setAttribute("role", "alert");
  }

  function pageOfPath(path) {
    for (let index = 0; index < pages.length; index += 1) if (pagePaths(index)(path)) return index;
    return null;
  }

  function reveal(errors, scopeName) {
    sync();
    if (!errors.length) {
      hideSummary();
      return;
    }
    summary.dataset.scope = scopeName;
    fillSummary(errors);
    summary.focus({ preventScroll: true });
    summary.scrollIntoView?.({ block: "start" });
  }

  function finishForm() {
    const errors = controller.validate();
    if (errors.length) {
      const page = pageOfPath(errors[0].path);
      if (mode === "pages" && page !== null && page !== currentPage) {
        currentPage = page;
        updatePages();
        reveal(errors.filter((error) => pagePaths(page)(error.path)), "page");
      }
      return;
    }
    options.onSubmit(controller.getAnswers());
  }

  // --- the controller ---------------------------------------------------------------------

  const controller = {
    getAnswers() {
      return exportAnswers(definition.children || [], answers, {});
    },
    setAnswers(given) {
      answers = loadAnswers(given || {}, definition.children || [], {});
      transient.clear();
      render();
      lastStatus = compute();
      sync();
    },
    validate() {
      refresh({ allowRerender: false });
      const errors = collectErrors(null, true);
      reveal(errors, "all");
      return errors;
    },
    validatePage() {
      refresh({ allowRerender: false });
      if (mode === "single") return controller.validate();
      const errors = collectErrors(pagePaths(currentPage), true);
      reveal(errors, "page");
      return errors;
    },
    next() {
      if (controller.validatePage().length || mode === "single") return false;
      const target = findPage(currentPage, 1);
      if (target === null) return false;
      showPage(target, true);
      return true;
    },
    previous() {
      if (mode === "single") return false;
      const target = findPage(currentPage, -1);
      if (target === null) return false;
      showPage(target, true);
      return true;
    },
    goTo(index) {
      if (mode === "single" || !Number.isInteger(index) || index < 0 || index >= pages.length) return false;
      showPage(index, true);
      return true;
    },
    get pageIndex() {
      return mode === "single" ? 0 : currentPage;
    },
    get pageCount() {
      return mode === "single" ? 1 : pages.length;
    },
    setLanguage(next) {
      language = next || defaultLanguage;
      render();
      lastStatus = compute();
      sync();
    },
    destroy() {
      element.removeEventListener("pointerdown", onPointerDown, true);
      document.removeEventListener("pointerup", onPointerUp, true);
      document.removeEventListener("pointercancel", onPointerUp, true);
      element.replaceChildren();
      bindings = new Map();
      groupViews = new Map();
    },
  };

  const startingAnswers = options.answers && Object.keys(options.answers).length ? options.answers : null;
  answers = loadAnswers(startingAnswers || {}, definition.children || [], {});
  if (!startingAnswers) applyDefaults(definition.children || [], answers, rootScope());
  render();
  lastStatus = compute();
  if (lastStatus.structural) {
    render();
    lastStatus = compute();
  }
  if (mode === "pages" && !pageRelevant(currentPage)) currentPage = findPage(currentPage, 1) ?? 0;
  sync();
  return controller;
}

/** Name -> innermost enclosing repeat, for the evaluator (fields no instance has answered yet). */
function repeatFieldsOfDefinition(children, repeat = null, mapping = {}) {
  for (const node of children) {
    if (repeat !== null) mapping[node.name] = repeat;
    if (node.kind === "group") repeatFieldsOfDefinition(node.children || [], node.repeat ? node.name : repeat, mapping);
  }
  return mapping;
}

/** Pages: each top-level group; the questions between groups form a page of their own. */
function buildPages(children) {
  const pages = [];
  let loose = null;
  for (const node of children) {
    if (node.kind === "group") {
      loose = null;
      pages.push({ group: node, items: [node] });
    } else if (node.type !== "calculate") {
      // Calculations are never shown: they make no page of their own.
      if (!loose) {
        loose = { group: null, items: [] };
        pages.push(loose);
      }
      loose.items.push(node);
    }
  }
  return pages;
}

function sameValue(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i]);
  if (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) return true;
  return a === b;
}

function cssEscape(text) {
  return globalThis.CSS && CSS.escape ? CSS.escape(text) : text.replace(/["\\\]\[]/g, "\\$&");
}
