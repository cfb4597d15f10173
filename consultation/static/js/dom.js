/**
 * Building DOM nodes without innerHTML, so that answers typed by anyone are always text. The one
 * builder of every page's scripts: the form runtime and its widgets, the tablet app, the designer.
 *   h("button", {class: "button", onclick: fn}, "Suivant")
 * Attributes: `class`, `dataset` (object), `on<event>` (listener), booleans set or omit the
 * attribute; children: strings, nodes, arrays, null/false (skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "value") element.value = value;
    else if (name === "checked") element.checked = Boolean(value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}
