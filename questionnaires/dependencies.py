"""Which answers each rule of a questionnaire reads: one graph for the order of computation, the
answers a change reaches, and the cycles refused at import and when the designer saves.

An edge `a → b` says that what `a` holds (its computed value, or whether it is shown and so keeps
its answer) may change when the answer to `b` changes: `a`'s calculation or relevance reads
`${b}` (an `indexed-repeat(${b}, ${menage}, 1)` reads `b` and `menage` as well), `a` is inside
group `b` (shown only if the group is), or `a` is a repeat whose `repeat_count` reads `${b}`.
Constraints, `required`, choice filters and texts read answers too, but nothing reads what they
give: they never make a cycle and only need evaluating when a name they read has moved.

static/js/form/graph.js builds the same graph in the browser, where a keystroke recomputes only
the dependents of the question typed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .expressions.lexer import REF, tokenize
from .model import Questionnaire

# The expressions whose result is part of what a node holds, in the order a sheet row shows them.
VALUE_FIELDS = ("relevant", "calculation", "repeat_count")


@dataclass
class DependencyGraph:
    # name -> {name it reads: (field, 0-based position of the reference, None for a group edge)}
    reads: dict[str, dict[str, tuple[str, int | None]]]
    # name -> names that read it (the reverse edges)
    readers: dict[str, set[str]] = field(default_factory=dict)

    def dependents(self, names: Iterable[str]) -> set[str]:
        """Every name whose value or relevance may move when the answers to ``names`` move,
        ``names`` included: what must be evaluated again, and nothing else."""
        reached = set(names)
        waiting = list(reached)
        while waiting:
            for reader in self.readers.get(waiting.pop(), ()):
                if reader not in reached:
                    reached.add(reader)
                    waiting.append(reader)
        return reached

    def order(self, names: Iterable[str] | None = None) -> list[str]:
        """``names`` (every node by default) so that each comes after all it reads, through any
        number of other nodes: depth first, in form order. A cycle (refused at import and when
        saved, but a draft may hold one) is broken where the walk meets it again, so that a form
        being written still computes."""
        placed: set[str] = set()
        ranked: list[str] = []
        for root in self.reads:
            if root in placed:
                continue
            visiting = {root}
            stack = [(root, iter(self.reads[root]))]
            while stack:
                name, reading = stack[-1]
                target = next(reading, None)
                if target is None:
                    stack.pop()
                    visiting.discard(name)
                    placed.add(name)
                    ranked.append(name)
                elif target in self.reads and target not in placed and target not in visiting:
                    visiting.add(target)
                    stack.append((target, iter(self.reads[target])))
        if names is None:
            return ranked
        wanted = set(names)
        return [name for name in ranked if name in wanted]

    def cycles(self) -> list[list[str]]:
        """Names that depend on themselves, each cycle written from its first name in form order
        and ending on it again (a → b → a)."""
        return _cycles(self.reads)


def dependency_graph(questionnaire: Questionnaire) -> DependencyGraph:
    """The graph of a questionnaire as it is now (build it again after an edit)."""
    reads: dict[str, dict[str, tuple[str, int | None]]] = {}
    for ancestors, node in questionnaire.walk():
        edges = reads.setdefault(node.name, {})
        for field_name in VALUE_FIELDS:
            text = getattr(node, field_name, "")
            if not isinstance(text, str) or not text.strip():
                continue
            for token in tokenize(text):
                if token.kind == REF:
                    edges.setdefault(token.value, (field_name, token.position))
        if ancestors:
            # Shown only if the enclosing group is: a group whose condition reads its own
            # question can never be decided.
            edges.setdefault(ancestors[-1], ("relevant", None))
    readers: dict[str, set[str]] = {}
    for name, edges in reads.items():
        for read in edges:
            readers.setdefault(read, set()).add(name)
    return DependencyGraph(reads, readers)


def _cycles(graph: dict[str, dict]) -> list[list[str]]:
    """Cycles found by a depth-first walk, each written from its first name in form order.

    The walk keeps its own stack: a form may chain thousands of questions (each shown if the next
    one is answered), deeper than Python's recursion limit."""
    order = {name: index for index, name in enumerate(graph)}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    on_path_at: dict[str, int] = {}
    found: list[list[str]] = []

    for root in graph:
        if root in state:
            continue
        state[root] = 1
        on_path_at[root] = len(path)
        path.append(root)
        stack = [iter(graph.get(root, {}))]
        while stack:
            target = next(stack[-1], None)
            if target is None:
                stack.pop()
                done = path.pop()
                del on_path_at[done]
                state[done] = 2
                continue
            if target not in graph:
                continue
            if state.get(target) == 1:
                loop = path[on_path_at[target] :]
                first = min(range(len(loop)), key=lambda index: order[loop[index]])
                loop = loop[first:] + loop[:first]
                found.append(loop + [loop[0]])
            elif state.get(target) is None:
                state[target] = 1
                on_path_at[target] = len(path)
                path.append(target)
                stack.append(iter(graph.get(target, {})))
    return found


__all__ = ["VALUE_FIELDS", "DependencyGraph", "dependency_graph"]
