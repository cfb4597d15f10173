/**
 * Which answers each rule of a form reads, as questionnaires/dependencies.py builds it on the
 * server: the order calculations are computed in, and what a change reaches, so that a keystroke
 * evaluates again only the rules that depend on the question typed in. Built once per form.
 *
 *   buildGraph(children) -> graph
 *   graph.order                     the computed questions, each after everything it reads,
 *                                   through any number of other questions (form order otherwise)
 *   dependents(graph, names) -> Set the names whose value or relevance may move when the answers
 *                                   to `names` move, `names` included
 *   watchers(graph, names) -> Set   dependents(names) and the names whose constraint, required,
 *                                   choices or texts read one of them: what the page redraws
 *
 * A value edge `a → b`: a's calculation, relevance, repeat_count or choice_filter reads ${b}
 * (the page drops a choice a filter no longer offers, so a filter changes a value too), or `a`
 * is inside group `b`. A watch edge: a's constraint, required, messages, label or hint read
 * ${b}; nothing reads what those give, so they end the walk. A repeat's own name stands for its
 * instances (count(${membres})): adding or removing one redraws the form anyway.
 */
import { references } from "../expressions.js";

const VALUE_FIELDS = ["relevant", "calculation", "repeat_count", "choice_filter"];
const WATCH_FIELDS = ["constraint", "required"];
const TEXT_FIELDS = ["label", "hint", "constraint_message", "required_message"];

function isComputed(node) {
  return node.kind !== "group" && node.type !== "note" && Boolean(node.calculation && String(node.calculation).trim());
}

function readsOf(node, fields) {
  const names = new Set();
  for (const field of fields) {
    const value = node[field];
    if (typeof value === "string") {
      if (value.includes("${")) for (const name of references(value)) names.add(name);
    } else if (value && typeof value === "object") {
      for (const text of Object.values(value)) {
        if (typeof text === "string" && text.includes("${")) for (const name of references(text)) names.add(name);
      }
    }
  }
  return names;
}

function addEdge(reverse, read, reader) {
  if (!reverse.has(read)) reverse.set(read, new Set());
  reverse.get(read).add(reader);
}

export function buildGraph(children) {
  const reads = new Map();
  const readers = new Map();
  const watchedBy = new Map();
  const computed = [];
  const walk = (nodes, parent) => {
    for (const node of nodes) {
      const read = readsOf(node, VALUE_FIELDS);
      if (parent) read.add(parent.name);
      read.delete(node.name);
      reads.set(node.name, read);
      for (const name of read) addEdge(readers, name, node.name);
      for (const name of readsOf(node, [...WATCH_FIELDS, ...TEXT_FIELDS])) addEdge(watchedBy, name, node.name);
      if (isComputed(node)) computed.push(node.name);
      if (node.kind === "group") walk(node.children || [], node);
    }
  };
  walk(children, null);
  const graph = { reads, readers, watchedBy, order: [] };
  graph.order = orderOf(graph, new Set(computed));
  return graph;
}

/** Depth first in form order, each name after what it reads; a cycle (a draft in the designer
 * may hold one) is broken where the walk meets it again. Kept iterative: forms chain thousands. */
function orderOf(graph, wanted) {
  const placed = new Set();
  const ranked = [];
  for (const root of graph.reads.keys()) {
    if (placed.has(root)) continue;
    const visiting = new Set([root]);
    const stack = [[root, graph.reads.get(root).values()]];
    while (stack.length) {
      const [name, reading] = stack[stack.length - 1];
      const step = reading.next();
      if (step.done) {
        stack.pop();
        visiting.delete(name);
        placed.add(name);
        if (wanted.has(name)) ranked.push(name);
      } else if (graph.reads.has(step.value) && !placed.has(step.value) && !visiting.has(step.value)) {
        visiting.add(step.value);
        stack.push([step.value, graph.reads.get(step.value).values()]);
      }
    }
  }
  return ranked;
}

export function dependents(graph, names) {
  const reached = new Set(names);
  const waiting = [...reached];
  while (waiting.length) {
    const readers = graph.readers.get(waiting.pop());
    if (!readers) continue;
    for (const reader of readers) {
      if (!reached.has(reader)) {
        reached.add(reader);
        waiting.push(reader);
      }
    }
  }
  return reached;
}

export function watchers(graph, names) {
  const reached = dependents(graph, names);
  for (const name of [...reached]) {
    const watching = graph.watchedBy.get(name);
    if (watching) for (const watcher of watching) reached.add(watcher);
  }
  return reached;
}
