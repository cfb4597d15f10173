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
 *     onExpressionError(text, error) {}, // a rule failed as it was evaluated (an unknown function
 *                                  // reached); it keeps its default either way
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
 * ${name} in labels and hints. A repeat of more than 10 instances shows them folded, each drawn
 * when it is first opened (its legend is a disclosure button). Every text of the definition or the answers is put in the page
 * as text (textContent, attribute values), never as markup.
 *
 * The modules under form/: state.js (answers, repeats, what outlives a re-render), rules.js (the
 * XLSForm rules, no DOM), graph.js (what each rule reads: a keystroke evaluates and redraws only
 * what depends on the question typed in), render.js (the page), pages.js, text.js (the chosen
 * language). This one wires them: events in, controller out.
 */
import { findPage, pageMatcher, pageOfPath, pageRelevant } from "./form/pages.js";
import { fillSummary, hideSummary, openInstancesAround, render, showError, sync, updatePages } from "./form/render.js";
import { watchers } from "./form/graph.js";
import { applyDefaults, collectErrors, compute, graphOf } from "./form/rules.js";
import {
  createState,
  exportAnswers,
  instanceAt,
  instanceScope,
  loadAnswers,
  normalise,
  removeInstance,
  rootScope,
} from "./form/state.js";

let mountCounter = 0;

export function mountForm(element, definition, options = {}) {
  mountCounter += 1;
  const state = createState(definition, options);
  const view = {
    element,
    idPrefix: `fr${mountCounter}`,
    mode: options.mode === "single" ? "single" : "pages",
    showNavigation: options.navigation !== false,
    hasSubmit: Boolean(options.onSubmit),
    bindings: new Map(),
    groupViews: new Map(),
    pageViews: [],
    summary: null,
    nav: null,
    handlers: {
      input: onInput,
      blur: onBlur,
      addInstance,
      removeInstance: removeAndRender,
      previous: () => controller.previous(),
      next: () => controller.next(),
      finish: finishForm,
      showPage,
      // A folded repeat instance opened for the first time: its questions, just drawn, are
      // brought in step with the answers.
      drawn: (path) => sync(view, state, null, `${path}/`),
    },
  };
  const { mode } = view;

  function redraw() {
    render(view, state);
    state.last = compute(state);
    sync(view, state);
  }

  // --- keeping the page in step with the answers ----------------------------------------------

  // `changed`: the names just answered. Only what depends on them is evaluated again and
  // redrawn (form/graph.js); without it, everything is.
  function refresh({ allowRerender = true, changed = null } = {}) {
    const result = compute(state, changed);
    state.last = result;
    if (result.structural && allowRerender) {
      const focusedPath = document.activeElement?.closest?.(".fr-question")?.dataset.path;
      redraw();
      if (focusedPath && view.bindings.get(focusedPath)?.widget) view.bindings.get(focusedPath).widget.focusTarget().focus();
      return;
    }
    sync(view, state, result.affected ? watchers(graphOf(state), changed) : null);
  }

  function onInput(binding, value, invalid) {
    const instance = instanceAt(state, binding.scope);
    if (!instance) return;
    const pending = state.transient.get(binding.path) || {};
    state.transient.set(binding.path, { ...pending, invalid });
    const normalised = normalise(binding.question, value);
    if (normalised === undefined) delete instance[binding.question.name];
    else instance[binding.question.name] = normalised;
    refresh({ changed: [binding.question.name] });
    if (!view.summary.hidden) updateSummary();
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
        if (view.bindings.get(binding.path) === binding) showError(view, state, binding, state.last.status.get(binding.path));
      }
    }, 0);
  };
  element.addEventListener("pointerdown", onPointerDown, true);
  document.addEventListener("pointerup", onPointerUp, true);
  document.addEventListener("pointercancel", onPointerUp, true);

  function onBlur(binding) {
    const pending = state.transient.get(binding.path) || {};
    if (!pending.shown) {
      state.transient.set(binding.path, { ...pending, shown: "blur" });
      if (pointerDown) waitingBlurs.push(binding);
      else showError(view, state, binding, state.last.status.get(binding.path));
    }
  }

  function addInstance(scope, group) {
    const instance = instanceAt(state, scope);
    if (!Array.isArray(instance[group.name])) instance[group.name] = [];
    const instances = instance[group.name];
    const created = {};
    instances.push(created);
    state.openInstances.set(created, true);
    const childScope = instanceScope(scope, group.name, instances.length - 1);
    applyDefaults(state, group.children || [], created, childScope);
    redraw();
    const fieldset = element.querySelector(`[data-path="${cssEscape(childScope.prefix.slice(0, -1))}"]`);
    const first = fieldset && fieldset.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    notify(childScope.prefix.slice(0, -1));
  }

  function removeAndRender(scope, group, index) {
    removeInstance(state, scope, group, index);
    redraw();
    const add = view.groupViews.get(scope.prefix + group.name)?.element.querySelector(".fr-add");
    if (add) add.focus();
    notify(`${scope.prefix}${group.name}`);
  }

  function notify(path) {
    if (options.onChange) options.onChange(controller.getAnswers(), { pageIndex: controller.pageIndex, pageCount: controller.pageCount, path });
  }

  // --- pages and the summary of errors ---------------------------------------------------------

  function showPage(index, focus) {
    state.pageIndex = index;
    hideSummary(view);
    updatePages(view, state);
    if (focus) {
      const section = view.pageViews[index];
      const heading = section && section.querySelector(".fr-page-title:not([hidden])");
      if (heading) heading.focus({ preventScroll: true });
      if (section && section.scrollIntoView) element.scrollIntoView({ block: "start" });
    }
    notify("");
  }

  function updateSummary() {
    const matcher = view.summary.dataset.scope === "all" ? null : pageMatcher(state, state.pageIndex);
    const errors = collectErrors(state, matcher, false);
    if (!errors.length) return hideSummary(view);
    fillSummary(view, state, errors);
  }

  function reveal(errors, scopeName) {
    // A folded instance with an error is opened, so that the error is seen where it is.
    for (const error of errors) openInstancesAround(view, error.path);
    sync(view, state);
    if (!errors.length) {
      hideSummary(view);
      return;
    }
    view.summary.dataset.scope = scopeName;
    fillSummary(view, state, errors);
    view.summary.focus({ preventScroll: true });
    view.summary.scrollIntoView?.({ block: "start" });
  }

  function finishForm() {
    const errors = controller.validate();
    if (errors.length) {
      const page = pageOfPath(state, errors[0].path);
      if (mode === "pages" && page !== null && page !== state.pageIndex) {
        state.pageIndex = page;
        updatePages(view, state);
        reveal(errors.filter((error) => pageMatcher(state, page)(error.path)), "page");
      }
      return;
    }
    options.onSubmit(controller.getAnswers());
  }

  // --- the controller ---------------------------------------------------------------------

  const controller = {
    getAnswers() {
      return exportAnswers(state.children, state.answers, {});
    },
    setAnswers(given) {
      state.answers = loadAnswers(given || {}, state.children, {});
      state.transient.clear();
      redraw();
    },
    validate() {
      refresh({ allowRerender: false });
      const errors = collectErrors(state, null, true);
      reveal(errors, "all");
      return errors;
    },
    validatePage() {
      refresh({ allowRerender: false });
      if (mode === "single") return controller.validate();
      const errors = collectErrors(state, pageMatcher(state, state.pageIndex), true);
      reveal(errors, "page");
      return errors;
    },
    next() {
      if (controller.validatePage().length || mode === "single") return false;
      const target = findPage(state, state.pageIndex, 1);
      if (target === null) return false;
      showPage(target, true);
      return true;
    },
    previous() {
      if (mode === "single") return false;
      const target = findPage(state, state.pageIndex, -1);
      if (target === null) return false;
      showPage(target, true);
      return true;
    },
    goTo(index) {
      if (mode === "single" || !Number.isInteger(index) || index < 0 || index >= state.pages.length) return false;
      showPage(index, true);
      return true;
    },
    get pageIndex() {
      return mode === "single" ? 0 : state.pageIndex;
    },
    get pageCount() {
      return mode === "single" ? 1 : state.pages.length;
    },
    setLanguage(next) {
      state.language = next || state.defaultLanguage;
      redraw();
    },
    destroy() {
      element.removeEventListener("pointerdown", onPointerDown, true);
      document.removeEventListener("pointerup", onPointerUp, true);
      document.removeEventListener("pointercancel", onPointerUp, true);
      element.replaceChildren();
      view.bindings = new Map();
      view.groupViews = new Map();
    },
  };

  const startingAnswers = options.answers && Object.keys(options.answers).length ? options.answers : null;
  state.answers = loadAnswers(startingAnswers || {}, state.children, {});
  if (!startingAnswers) applyDefaults(state, state.children, state.answers, rootScope());
  render(view, state);
  state.last = compute(state);
  if (state.last.structural) {
    render(view, state);
    state.last = compute(state);
  }
  if (mode === "pages" && !pageRelevant(state, state.pageIndex)) state.pageIndex = findPage(state, state.pageIndex, 1) ?? 0;
  sync(view, state);
  return controller;
}

function cssEscape(text) {
  return globalThis.CSS && CSS.escape ? CSS.escape(text) : text.replace(/["\\\]\[]/g, "\\$&");
}
