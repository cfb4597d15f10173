/**
 * The form in the page: one section per page, one binding per question (its label, hint, error
 * and widget), kept in step with the state and the rules by sync(). Every text of the definition
 * or the answers goes in as text (textContent, attribute values), never as markup.
 *
 *   view = {element, mode, idPrefix, showNavigation, hasSubmit,
 *           handlers: {input, blur, addInstance, removeInstance, previous, next, finish, showPage,
 *                      drawn}}
 *   render(view, state)       builds the whole form; fills view.bindings, groupViews, pageViews,
 *                             instanceViews, summary and nav. A repeat of more than
 *                             OPEN_INSTANCES instances shows them folded; an instance's
 *                             questions are drawn when it is opened (handlers.drawn(path) then)
 *   openInstancesAround(view, path)   opens (and draws) the instances around an answer path
 *   sync(view, state, touched?)  shows what is relevant, texts with answers, values, errors,
 *                             pages; with `touched` (a Set of names), only those questions and
 *                             groups are looked at again
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
  view.instanceViews = new Map();
  view.pageViews = [];
  view.synced = false;
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

// Past this many instances, a repeat shows each one folded, its questions drawn when it is first
// opened: a household of 50 is not 50 sets of questions built before the page can be used.
export const OPEN_INSTANCES = 10;

function renderRepeat(view, state, group, container, scope, isPage) {
  const label = translated(state, group.label) || group.name;
  if (!isPage) container.append(h("h3", { class: "fr-repeat-title" }, label));
  const instances = instanceAt(state, scope)?.[group.name] || [];
  const fixed = Boolean(group.repeat_count && String(group.repeat_count).trim());
  const list = h("div", { class: "fr-repeat" });
  instances.forEach((instance, index) => {
    const childScope = instanceScope(scope, group.name, index);
    const path = `${scope.prefix}${group.name}[${index}]`;
    const legendText = `${label} ${index + 1}`;
    const fieldset = h("fieldset", { class: "fr-repeat-instance", "data-path": path });
    // A folded instance is its legend alone: fifty of them fit on a phone's few screens.
    const bodyId = `${domId(view, path)}-contenu`;
    const chosen = state.openInstances.get(instance);
    const open = chosen === undefined ? instances.length <= OPEN_INSTANCES : chosen;
    // A disclosure button (aria-expanded) in the legend: the instance keeps its name as a group,
    // and opens or folds with Entrée or Espace.
    const toggle = h("button", { type: "button", class: "fr-instance-toggle", "aria-expanded": String(open), "aria-controls": bodyId }, legendText);
    const summary = h("span", { class: "fr-instance-summary" });
    toggle.append(summary);
    fieldset.append(h("legend", {}, toggle));
    const body = h("div", { class: "fr-instance-body", id: bodyId, hidden: !open });
    fieldset.append(body);
    let drawn = false;
    const draw = () => {
      if (drawn) return false;
      drawn = true;
      renderChildren(view, state, group.children || [], body, childScope);
      if (!fixed && !group.read_only) body.append(removeButton(view, scope, group, index, legendText));
      return true;
    };
    const show = (opening) => {
      state.openInstances.set(instance, opening);
      toggle.setAttribute("aria-expanded", String(opening));
      body.hidden = !opening;
      fieldset.classList.toggle("fr-folded", !opening);
      summary.textContent = instanceSummary(state, group, instance);
      // Drawn after the first sync: its questions are brought in step with the answers now.
      if (opening && draw() && view.synced) view.handlers.drawn(path);
    };
    toggle.addEventListener("click", () => show(toggle.getAttribute("aria-expanded") !== "true"));
    view.instanceViews.set(path, { open: () => show(true) });
    summary.textContent = instanceSummary(state, group, instance);
    fieldset.classList.toggle("fr-folded", !open);
    if (open) draw();
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

/** What tells a folded instance from the others: its first text answer (a first name). */
function instanceSummary(state, group, instance) {
  const first = (group.children || []).find((node) => node.kind !== "group" && node.type === "text" && instance[node.name]);
  return first ? ` — ${instance[first.name]}` : "";
}

function removeButton(view, scope, group, index, legendText) {
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
  return h("div", { class: "fr-repeat-actions" }, remove);
}

/** Opens the folded instances around `path` ("membres[29]/age"), outermost first, so that its
 * question is drawn (an error to show, a link of the summary to follow). */
export function openInstancesAround(view, path) {
  const parts = path.split("/");
  for (let depth = 1; depth <= parts.length; depth += 1) {
    const instancePath = parts.slice(0, depth).join("/");
    if (/\]$/.test(instancePath)) view.instanceViews.get(instancePath)?.open();
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

export function sync(view, state, touched = null, within = "") {
  const { status } = state.last;
  view.synced = true;
  for (const [path, group] of view.groupViews) {
    if (touched && !touched.has(group.node.name)) continue;
    if (within && !path.startsWith(within)) continue;
    const entry = status.get(path);
    const relevant = entry ? entry.relevant : true;
    if (group.element.hidden !== !relevant) group.element.hidden = !relevant;
    if (group.heading) {
      const text = interpolate(state, translated(state, group.node.label) || "", group.scope);
      if (group.heading.textContent !== text) group.heading.textContent = text;
      if (group.heading.hidden !== !text) group.heading.hidden = !text;
    }
  }
  for (const [path, binding] of view.bindings) {
    if (touched && !touched.has(binding.question.name)) continue;
    if (within && !path.startsWith(within)) continue;
    const entry = status.get(path);
    const relevant = entry ? entry.relevant : false;
    if (binding.wrapper.hidden !== !relevant) binding.wrapper.hidden = !relevant;
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
  if (binding.error.textContent !== text) binding.error.textContent = text;
  if (binding.error.hidden !== !error) binding.error.hidden = !error;
  if (binding.wrapper.classList.contains("fr-invalid") !== Boolean(error)) binding.wrapper.classList.toggle("fr-invalid", Boolean(error));
  binding.widget.setInvalid(Boolean(error));
  if (wasHidden !== binding.error.hidden) binding.widget.refreshDescribedBy();
}

export function updatePages(view, state) {
  view.pageViews.forEach((section, index) => {
    const hidden = view.mode === "pages" ? index !== state.pageIndex : !pageRelevant(state, index);
    if (section.hidden !== hidden) section.hidden = hidden;
  });
  const progress = view.element.querySelector(".fr-progress");
  if (progress) {
    const visible = state.pages.map((_, index) => index).filter((index) => pageRelevant(state, index));
    const position = visible.indexOf(state.pageIndex) + 1;
    const text = `Page ${position} sur ${visible.length}`;
    if (progress.textContent !== text) progress.textContent = text;
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
      openInstancesAround(view, error.path);
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

