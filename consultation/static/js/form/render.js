/**
 * The form in the page: one section per page, one binding per question (its label, hint, error
 * and widget), kept in step with the state and the rules by sync(). Every text of the definition
 * or the answers goes in as text (textContent, attribute values), never as markup.
 *
 *   view = {element, mode, idPrefix, showNavigation, hasSubmit,
 *           handlers: {input, blur, addInstance, removeInstance, previous, next, finish, showPage}}
 *   render(view, state)       builds the whole form; fills view.bindings, groupViews, pageViews,
 *                             summary and nav
 *   sync(view, state)         shows what is relevant, texts with answers, values, errors, pages
 *   showError(view, state, binding, entry), updatePages(view, state)
 *   fillSummary(view, state, errors), hideSummary(view)
 */
import { h } from "../dom.js";
import { createWidget, usesLegend } from "../form-widgets.js";
import { findPage, pageOfPath, pageRelevant } from "./pages.js";
import { errorOf, interpolate, isRequired, mayBeRequired } from "./rules.js";
import { instanceAt, instanceScope, rootScope } from "./state.js";
import { choicesOf, translated } from "./text.js";

function domId(view, path) {
  return `${view.idPrefix}-${path.replace(/[^A-Za-z0-9_-]+/g, "-")}`;
}

export function render(view, state) {
  view.bindings = new Map();
  view.groupViews = new Map();
  view.pageViews = [];
  const root = h("div", { class: `fr-form fr-mode-${view.mode}`, lang: state.language });
  if (view.mode === "pages" && state.pages.length > 1) {
    root.append(h("p", { class: "fr-progress", "aria-live": "polite" }));
  }
  view.summary = h("div", { class: "fr-summary", tabindex: "-1", hidden: true });
  root.append(view.summary);
  state.pages.forEach((page, index) => {
    const section = h("section", { class: "fr-page", "data-page": index });
    if (page.group) {
      const heading = h("h2", { class: "fr-page-title", tabindex: "-1", id: domId(view, page.group.name) + "-titre" });
      section.append(heading);
      const hint = translated(state, page.group.hint);
      if (hint) section.append(h("p", { class: "fr-hint" }, hint));
      if (page.group.repeat) {
        renderRepeat(view, state, page.group, section, rootScope(), true);
      } else {
        renderChildren(view, state, page.group.children || [], section, rootScope());
      }
      view.groupViews.set(page.group.name, { node: page.group, element: section, heading, scope: rootScope() });
    } else {
      renderChildren(view, state, page.items, section, rootScope());
    }
    view.pageViews.push(section);
    root.append(section);
  });
  if (view.mode === "pages" && view.showNavigation) {
    view.nav = h("nav", { class: "fr-nav", "aria-label": "Pages du questionnaire" });
    const back = h("button", { type: "button", class: "button secondary fr-previous" }, "Précédent");
    back.addEventListener("click", () => view.handlers.previous());
    const forward = h("button", { type: "button", class: "button fr-next" }, "Suivant");
    forward.addEventListener("click", () => view.handlers.next());
    view.nav.append(back, forward);
    if (view.hasSubmit) {
      const finish = h("button", { type: "button", class: "button fr-finish" }, "Terminer");
      finish.addEventListener("click", () => view.handlers.finish());
      view.nav.append(finish);
    }
    root.append(view.nav);
  } else if (view.hasSubmit) {
    view.nav = h("nav", { class: "fr-nav" });
    const finish = h("button", { type: "button", class: "button fr-finish" }, "Terminer");
    finish.addEventListener("click", () => view.handlers.finish());
    view.nav.append(finish);
    root.append(view.nav);
  } else {
    view.nav = null;
  }
  view.element.replaceChildren(root);
}

function renderChildren(view, state, children, container, scope) {
  for (const node of children) {
    if (node.kind === "group") {
      if (node.repeat) {
        const wrapper = h("div", { class: "fr-repeat-block" });
        renderRepeat(view, state, node, wrapper, scope, false);
        container.append(wrapper);
        view.groupViews.set(scope.prefix + node.name, { node, element: wrapper, scope });
      } else {
        const legendId = domId(view, scope.prefix + node.name) + "-legende";
        const fieldset = h("fieldset", { class: "fr-group" });
        const legend = h("legend", { id: legendId });
        fieldset.append(legend);
        const hint = translated(state, node.hint);
        if (hint) fieldset.append(h("p", { class: "fr-hint" }, hint));
        renderChildren(view, state, node.children || [], fieldset, scope);
        container.append(fieldset);
        view.groupViews.set(scope.prefix + node.name, { node, element: fieldset, heading: legend, scope });
      }
    } else if (node.type !== "calculate") {
      container.append(renderQuestion(view, state, node, scope));
    }
  }
}

function renderRepeat(view, state, group, container, scope, isPage) {
  const label = translated(state, group.label) || group.name;
  if (!isPage) container.append(h("h3", { class: "fr-repeat-title" }, label));
  const instances = instanceAt(state, scope)?.[group.name] || [];
  const fixed = Boolean(group.repeat_count && String(group.repeat_count).trim());
  const list = h("div", { class: "fr-repeat" });
  instances.forEach((instance, index) => {
    const childScope = instanceScope(scope, group.name, index);
    const legendText = `${label} ${index + 1}`;
    const fieldset = h("fieldset", { class: "fr-repeat-instance", "data-path": `${scope.prefix}${group.name}[${index}]` });
    fieldset.append(h("legend", {}, legendText));
    renderChildren(view, state, group.children || [], fieldset, childScope);
    if (!fixed && !group.read_only) {
      const remove = h("button", { type: "button", class: "button secondary fr-remove" }, `Supprimer « ${legendText} »`);
      let armed = false;
      remove.addEventListener("click", () => {
        // Two steps: a touch too many on a tablet must not lose a household member's answers.
        if (!armed) {
          armed = true;
          remove.textContent = `Confirmer la suppression de « ${legendText} »`;
          remove.classList.add("danger");
          return;
        }
        view.handlers.removeInstance(scope, group, index);
      });
      remove.addEventListener("blur", () => {
        armed = false;
        remove.textContent = `Supprimer « ${legendText} »`;
        remove.classList.remove("danger");
      });
      fieldset.append(h("div", { class: "fr-repeat-actions" }, remove));
    }
    list.append(fieldset);
  });
  if (!instances.length) {
    list.append(h("p", { class: "fr-empty muted" }, fixed ? "Aucun élément à renseigner." : "Aucun élément pour l'instant."));
  }
  container.append(list);
  if (!fixed) {
    const add = h("button", { type: "button", class: "button secondary fr-add" }, `Ajouter : ${label}`);
    add.addEventListener("click", () => view.handlers.addInstance(scope, group));
    container.append(add);
  }
}

function renderQuestion(view, state, question, scope) {
  const path = scope.prefix + question.name;
  const id = domId(view, path);
  const wrapper = h("div", { class: `fr-question fr-type-${question.type}`, "data-path": path, "data-name": question.name });
  const labelTemplate = translated(state, question.label) || question.name;
  const hintTemplate = translated(state, question.hint);
  const hintId = `${id}-aide`;
  const errorId = `${id}-erreur`;
  const legendId = `${id}-legende`;
  const labelText = h("span", { class: "fr-label-text" });
  const requiredMark = mayBeRequired(question) ? h("span", { class: "fr-required" }, "obligatoire") : null;
  const hint = hintTemplate ? h("p", { class: "fr-hint", id: hintId }) : null;
  const error = h("p", { class: "fr-error", id: errorId, hidden: true });
  const binding = { question, scope, path, wrapper, labelText, labelTemplate, hint, hintTemplate, error, requiredMark, widget: null };

  if (question.type === "note") {
    wrapper.append(h("p", { class: "fr-note" }, labelText));
    if (hint) wrapper.append(hint);
    view.bindings.set(path, binding);
    return wrapper;
  }

  const env = {
    id,
    legendId,
    readOnly: Boolean(question.read_only) || Boolean(question.calculation && String(question.calculation).trim()),
    choices: question.choice_list ? choicesOf(state, question) : [],
    describedBy: () => [hint ? hintId : null, error.hidden ? null : errorId].filter(Boolean).join(" "),
    commit: (value, { invalid }) => view.handlers.input(binding, value, invalid),
    blur: () => view.handlers.blur(binding),
  };
  const widget = createWidget(question, env);
  binding.widget = widget;
  if (usesLegend(question)) {
    const fieldset = h("fieldset", { class: "fr-field" });
    fieldset.append(h("legend", { id: legendId, class: "fr-label" }, labelText, requiredMark && " ", requiredMark));
    if (hint) fieldset.append(hint);
    fieldset.append(error, widget.element);
    wrapper.append(fieldset);
  } else {
    wrapper.append(h("label", { for: id, class: "fr-label", id: legendId }, labelText, requiredMark && " ", requiredMark));
    if (hint) wrapper.append(hint);
    wrapper.append(error, widget.element);
  }
  widget.refreshDescribedBy();
  view.bindings.set(path, binding);
  return wrapper;
}

export function sync(view, state) {
  const { status } = state.last;
  for (const [path, group] of view.groupViews) {
    const entry = status.get(path);
    const relevant = entry ? entry.relevant : true;
    group.element.hidden = !relevant;
    if (group.heading) {
      const text = interpolate(state, translated(state, group.node.label) || "", group.scope);
      if (group.heading.textContent !== text) group.heading.textContent = text;
      group.heading.hidden = !text;
    }
  }
  for (const [path, binding] of view.bindings) {
    const entry = status.get(path);
    const relevant = entry ? entry.relevant : false;
    binding.wrapper.hidden = !relevant;
    const label = interpolate(state, binding.labelTemplate, binding.scope);
    if (binding.labelText.textContent !== label) binding.labelText.textContent = label;
    if (binding.hint) {
      const hint = interpolate(state, binding.hintTemplate, binding.scope);
      if (binding.hint.textContent !== hint) binding.hint.textContent = hint;
    }
    if (!binding.widget) continue;
    if (!relevant && state.transient.has(path)) {
      // Text that did not read as a number goes with the question it was typed in.
      state.transient.delete(path);
      binding.widget.reset?.();
    }
    if (binding.requiredMark && relevant) {
      const required = isRequired(state, binding.question, binding.scope);
      binding.requiredMark.hidden = !required;
      // A checkbox group (role=group) cannot take aria-required: its legend says « obligatoire ».
      if (binding.widget.element.getAttribute("role") !== "group") {
        binding.widget.element.setAttribute("aria-required", required ? "true" : "false");
      }
    }
    if (entry && entry.choices && binding.widget.setChoices) binding.widget.setChoices(entry.choices);
    const instance = instanceAt(state, binding.scope);
    const pending = state.transient.get(path);
    if (!(pending && pending.invalid)) binding.widget.setValue(instance ? instance[binding.question.name] : undefined);
    showError(view, state, binding, entry);
  }
  updatePages(view, state);
}

export function showError(view, state, binding, entry) {
  const pending = state.transient.get(binding.path) || {};
  let error = null;
  if (pending.shown && entry && entry.relevant) error = errorOf(state, binding.path, entry, pending.shown === "all");
  const text = error ? error.message : "";
  const wasHidden = binding.error.hidden;
  binding.error.textContent = text;
  binding.error.hidden = !error;
  binding.wrapper.classList.toggle("fr-invalid", Boolean(error));
  binding.widget.setInvalid(Boolean(error));
  if (wasHidden !== binding.error.hidden) binding.widget.refreshDescribedBy();
}

export function updatePages(view, state) {
  view.pageViews.forEach((section, index) => {
    section.hidden = view.mode === "pages" ? index !== state.pageIndex : section.hidden;
  });
  if (view.mode === "single") {
    view.pageViews.forEach((section, index) => {
      section.hidden = !pageRelevant(state, index);
    });
  }
  const progress = view.element.querySelector(".fr-progress");
  if (progress) {
    const visible = state.pages.map((_, index) => index).filter((index) => pageRelevant(state, index));
    const position = visible.indexOf(state.pageIndex) + 1;
    progress.textContent = `Page ${position} sur ${visible.length}`;
  }
  if (view.nav) {
    const previous = view.nav.querySelector(".fr-previous");
    const next = view.nav.querySelector(".fr-next");
    const finish = view.nav.querySelector(".fr-finish");
    const last = findPage(state, state.pageIndex, 1) === null;
    if (previous) previous.hidden = findPage(state, state.pageIndex, -1) === null;
    if (next) next.hidden = last;
    if (finish) finish.hidden = view.mode === "pages" && !last;
  }
}

export function hideSummary(view) {
  view.summary.hidden = true;
  view.summary.replaceChildren();
  view.summary.removeAttribute("role");
}

/** The list of errors above the form, each a link to its question. */
export function fillSummary(view, state, errors) {
  view.summary.replaceChildren();
  const count = errors.length;
  view.summary.append(h("p", { class: "fr-summary-title" }, count === 1 ? "Une réponse est à compléter ou à corriger :" : `${count} réponses sont à compléter ou à corriger :`));
  const list = h("ul");
  for (const error of errors) {
    const binding = view.bindings.get(error.path);
    const label = binding ? binding.labelText.textContent : error.path;
    const link = h("a", { href: `#${domId(view, error.path)}` }, `${label} : ${error.message}`);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const target = view.bindings.get(error.path);
      if (target?.widget) {
        const page = pageOfPath(state, error.path);
        if (view.mode === "pages" && page !== null && page !== state.pageIndex) view.handlers.showPage(page, false);
        target.widget.focusTarget().focus();
      }
    });
    list.append(h("li", {}, link));
  }
  view.summary.append(list);
  view.summary.hidden = false;
  view.summary.setAttribute("role", "alert");
}

