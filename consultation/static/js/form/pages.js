/**
 * Pages: each top-level group is one; the questions between groups form a page of their own.
 * A page is shown when something on it is relevant.
 *   buildPages(children) -> [{group, items}]
 *   pageMatcher(state, index) -> (path) => bool     whether an answer path is on that page
 *   pageOfPath(state, path), pageRelevant(state, index), findPage(state, from, direction)
 */

export function buildPages(children) {
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

/** Name -> the top-level node it is inside (itself at the top). */
function topLevelOf(state) {
  if (!state.topLevelOf) {
    state.topLevelOf = new Map();
    for (const top of state.children) {
      const mark = (node) => {
        state.topLevelOf.set(node.name, top.name);
        if (node.kind === "group") (node.children || []).forEach(mark);
      };
      mark(top);
    }
  }
  return state.topLevelOf;
}

export function pageMatcher(state, index) {
  const page = state.pages[index];
  const names = new Set((page.group ? [page.group] : page.items).map((node) => node.name));
  // Questions of a non-repeat top-level group have bare paths: look their group up.
  const isInside = (path, topName) => topLevelOf(state).get(path.split("/")[0].replace(/\[\d+\]$/, "")) === topName;
  return (path) => names.has(path.split("/")[0].replace(/\[\d+\]$/, "")) || [...names].some((name) => isInside(path, name));
}

export function pageOfPath(state, path) {
  for (let index = 0; index < state.pages.length; index += 1) if (pageMatcher(state, index)(path)) return index;
  return null;
}

export function pageRelevant(state, index) {
  const page = state.pages[index];
  const { status } = state.last;
  if (page.group) return status.get(page.group.name)?.relevant !== false;
  return page.items.some((node) => node.type !== "calculate" && status.get(node.name)?.relevant !== false);
}

export function findPage(state, from, direction) {
  for (let index = from + direction; index >= 0 && index < state.pages.length; index += direction) {
    if (pageRelevant(state, index)) return index;
  }
  return null;
}
