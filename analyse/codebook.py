"""The codebook: hierarchical codes (theme → sub-theme) and the rules that suggest them.

A code's id never changes (codings point at it); its name, description, colour, parent and rules
may. Rules are lemma keywords and multi-word phrases, matched on lemmas without regard to case or
accents (« loyer trop cher » finds « Les loyers sont vraiment trop chers »), and optional regular
expressions on the original text.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from .nlp import DEFAULT_MODEL, TextAnalysis, analyse_texts, fold
from .nlp import SKIPPED_IN_PHRASES as _SKIPPED

FORMAT_VERSION = 1
DEFAULT_COLOUR = "#6b7280"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")

# A negation just before a verb or adjective keyword cancels it (« pas isolée », « pas cher »);
# before a noun it usually says what is missing (« pas de médecin »), so the noun still counts.
_NEGATIONS = frozenset({"pas", "jamais", "guere", "aucunement", "point"})
_NEGATION_WINDOW = 2
_NEGATABLE = frozenset({"VERB", "ADJ"})


class CodebookError(ValueError):
    """An invalid codebook or operation; `problems` lists every problem in French."""

    def __init__(self, problems: Sequence[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


@dataclass
class Code:
    id: str
    name: str
    description: str = ""
    colour: str = DEFAULT_COLOUR
    parent: str | None = None
    keywords: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    regexes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict) -> Code:
        return cls(
            id=str(record.get("id", "")).strip(),
            name=str(record.get("name", "")).strip(),
            description=str(record.get("description", "") or ""),
            colour=str(record.get("colour", DEFAULT_COLOUR) or DEFAULT_COLOUR),
            parent=(str(record["parent"]).strip() or None) if record.get("parent") else None,
            keywords=[str(word) for word in record.get("keywords", []) if str(word).strip()],
            phrases=[str(phrase) for phrase in record.get("phrases", []) if str(phrase).strip()],
            regexes=[str(pattern) for pattern in record.get("regexes", []) if str(pattern).strip()],
        )


@dataclass
class Codebook:
    name: str = "Livre de codes"
    codes: dict[str, Code] = field(default_factory=dict)

    # ---- reading ---------------------------------------------------------------------------
    def __contains__(self, code_id: str) -> bool:
        return code_id in self.codes

    def __getitem__(self, code_id: str) -> Code:
        return self.codes[code_id]

    def __iter__(self):
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def ids(self) -> list[str]:
        return list(self.codes)

    def themes(self) -> list[Code]:
        return [code for code in self.codes.values() if code.parent is None]

    def children(self, code_id: str | None) -> list[Code]:
        return [code for code in self.codes.values() if code.parent == code_id]

    def ancestors(self, code_id: str) -> list[str]:
        """Ids from the code's parent up to its theme."""
        chain = []
        parent = self.codes[code_id].parent
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.codes[parent].parent if parent in self.codes else None
        return chain

    def descendants(self, code_id: str) -> list[str]:
        found = []
        pending = [code_id]
        while pending:
            current = pending.pop()
            for child in self.children(current):
                found.append(child.id)
                pending.append(child.id)
        return found

    def label(self, code_id: str) -> str:
        """« Logement › Coût, loyers », for lists where the hierarchy must show."""
        names = [self.codes[ancestor].name for ancestor in reversed(self.ancestors(code_id))]
        return " › ".join([*names, self.codes[code_id].name])

    def fingerprint(self) -> str:
        """Changes when codes or rules change: a learned model or compiled rules built for another
        fingerprint must be rebuilt."""
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    # ---- operations the coding workspace needs ------------------------------------------------
    def add(self, code: Code) -> Code:
        problems = _code_problems(code, self.codes) + (
            [f"le code « {code.id} » existe déjà"] if code.id in self.codes else []
        )
        if problems:
            raise CodebookError(problems)
        self.codes[code.id] = code
        return code

    def rename(self, code_id: str, name: str) -> Code:
        code = self._get(code_id)
        if not name.strip():
            raise CodebookError("le nom du code ne peut pas être vide")
        code.name = name.strip()
        return code

    def move(self, code_id: str, new_parent: str | None) -> Code:
        """Put a code under another (or at the top with None); its id and codings stay."""
        code = self._get(code_id)
        if new_parent is not None:
            self._get(new_parent)
            if new_parent == code_id or new_parent in self.descendants(code_id):
                raise CodebookError(
                    f"impossible de placer « {code.name} » sous lui-même ou sous un de ses sous-codes"
                )
        code.parent = new_parent
        return code

    def merge(self, source_ids: Iterable[str], target_id: str) -> dict[str, str]:
        """Merge codes into `target_id`: their rules join the target's, their sub-codes move under
        it, and they disappear. Returns {old id: target id} so that codings can be re-pointed."""
        target = self._get(target_id)
        sources = [
            self._get(code_id) for code_id in dict.fromkeys(source_ids) if code_id != target_id
        ]
        for source in sources:
            if target_id in self.descendants(source.id):
                raise CodebookError(
                    f"impossible de fusionner « {source.name} » dans un de ses propres sous-codes"
                )
        mapping = {}
        for source in sources:
            for attribute in ("keywords", "phrases", "regexes"):
                merged = getattr(target, attribute) + getattr(source, attribute)
                setattr(target, attribute, list(dict.fromkeys(merged)))
            for child in self.children(source.id):
                child.parent = target_id
            del self.codes[source.id]
            mapping[source.id] = target_id
        return mapping

    def remove(self, code_id: str) -> Code:
        code = self._get(code_id)
        if self.children(code_id):
            raise CodebookError(
                f"« {code.name} » a des sous-codes : déplacez-les ou fusionnez d'abord"
            )
        return self.codes.pop(code_id)

    def _get(self, code_id: str) -> Code:
        try:
            return self.codes[code_id]
        except KeyError:
            raise CodebookError(f"code inconnu : « {code_id} »") from None

    # ---- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            "codes": [code.to_dict() for code in self.codes.values()],
        }

    @classmethod
    def from_dict(cls, document: dict) -> Codebook:
        if not isinstance(document, dict) or not isinstance(document.get("codes"), list):
            raise CodebookError(
                "livre de codes invalide : il faut un objet JSON avec une liste « codes »"
            )
        codes = [
            Code.from_dict(record) if isinstance(record, dict) else None
            for record in document["codes"]
        ]
        problems = []
        by_id: dict[str, Code] = {}
        for position, code in enumerate(codes, start=1):
            if code is None:
                problems.append(f"code n° {position} : un objet JSON est attendu")
            elif code.id in by_id:
                problems.append(f"code n° {position} : identifiant « {code.id} » en double")
            else:
                by_id[code.id] = code
        for code in by_id.values():
            problems.extend(_code_problems(code, by_id, check_parent=True))
        codebook = cls(name=str(document.get("name") or "Livre de codes"), codes=by_id)
        for code in by_id.values():
            if code.parent in by_id and code.id in codebook.ancestors(code.id):
                problems.append(f"code « {code.id} » : la hiérarchie forme une boucle")
        if problems:
            raise CodebookError(problems)
        return codebook

    def copy(self) -> Codebook:
        return copy.deepcopy(self)


def _code_problems(code: Code, known: dict[str, Code], *, check_parent: bool = True) -> list[str]:
    where = f"code « {code.id or '?'} »"
    problems = []
    if not _CODE_ID.match(code.id):
        problems.append(
            f"{where} : identifiant invalide (lettres minuscules, chiffres, « - », « _ » ou « . », 64 au plus)"
        )
    if not code.name:
        problems.append(f"{where} : nom manquant")
    if not _COLOUR.match(code.colour):
        problems.append(f"{where} : couleur « {code.colour} » invalide (format #rrggbb)")
    if check_parent and code.parent is not None and code.parent not in known:
        problems.append(f"{where} : parent « {code.parent} » inconnu")
    for pattern in code.regexes:
        try:
            re.compile(pattern)
        except re.error as error:
            problems.append(f"{where} : expression régulière « {pattern} » invalide ({error})")
    return problems


def load_codebook(path: str | os.PathLike) -> Codebook:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CodebookError(f"fichier introuvable : {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CodebookError(f"{path} n'est pas un JSON lisible ({error})") from None
    return Codebook.from_dict(document)


def save_codebook(codebook: Codebook, path: str | os.PathLike) -> None:
    """Written to a temporary file then renamed: an interrupted save leaves the old file intact."""
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(codebook.to_dict(), out, ensure_ascii=False, indent=2)
            out.write("\n")
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def default_codebook() -> Codebook:
    """The French ABS codebook shipped with the application (a fresh copy each call)."""
    text = resources.files("analyse").joinpath("data/codebook_abs.json").read_text(encoding="utf-8")
    return Codebook.from_dict(json.loads(text))


# ---- rules --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleMatch:
    code: str
    start: int  # character offsets into the original text
    end: int
    rule: str  # the keyword, phrase or regex that matched


class RuleMatcher:
    """The codebook's rules compiled for matching. Keywords and phrases are lemmatised by the same
    pipeline as the answers, so « loyers » in the codebook finds « loyer » in an answer; the word as
    written is kept too, for when a lemma out of context comes out differently.

    Matching runs on the cached token lists (TextAnalysis), not on spaCy Docs: re-suggesting after
    a codebook edit then needs no parsing at all, and a dict lookup per folded lemma costs less
    than rebuilding a Doc for spaCy's PhraseMatcher (the benchmark's overhead budget is ~10 %)."""

    def __init__(self, codebook: Codebook, *, model: str = DEFAULT_MODEL):
        self.fingerprint = codebook.fingerprint()
        self.model = model
        # key -> [(code id, rule)] for one-word rules; first key -> [(key list, code id, rule)]
        self._words: dict[str, list[tuple[str, str]]] = {}
        self._phrases: dict[str, list[tuple[list[str], str, str]]] = {}
        self._regex: re.Pattern | None = None  # all regexes in one pass: one named group each
        self._regex_groups: dict[str, tuple[str, list[str]]] = {}  # group -> (pattern, code ids)
        rules = [(code.id, rule) for code in codebook for rule in [*code.keywords, *code.phrases]]
        analyses = analyse_texts([rule for _code, rule in rules], model=model)
        seen = set()
        for (code_id, rule), analysis in zip(rules, analyses):
            variants = {tuple(key for key, _ in analysis.match_keys)}
            variants.add(
                tuple(
                    fold(word)
                    for word in re.findall(r"[\w'-]+", rule)
                    if fold(word) not in _SKIPPED
                )
            )
            for keys in variants:
                if keys and (keys, code_id) not in seen:
                    seen.add((keys, code_id))
                    if len(keys) == 1:
                        self._words.setdefault(keys[0], []).append((code_id, rule))
                    else:
                        self._phrases.setdefault(keys[0], []).append((list(keys), code_id, rule))
        self._first_keys = frozenset(self._words) | frozenset(self._phrases)
        # What suggesting reads, one lookup per key found: (codes of its one-word rules, (phrase
        # keys, their number, code) of the phrases it starts).
        self._by_first_key = {
            key: (
                tuple(code_id for code_id, _rule in self._words.get(key, ())),
                tuple(
                    (keys, len(keys), code_id)
                    for keys, code_id, _rule in self._phrases.get(key, ())
                ),
            )
            for key in self._first_keys
        }
        codes_by_pattern: dict[str, list[str]] = {}
        for code in codebook:
            for pattern in code.regexes:
                codes_by_pattern.setdefault(pattern, []).append(code.id)
        if codes_by_pattern:
            branches = []
            for number, (pattern, code_ids) in enumerate(codes_by_pattern.items()):
                self._regex_groups[f"r{number}"] = (pattern, code_ids)
                # Inline flags and numbered back-references would leak across branches: group
                # each pattern on its own (a pattern using them stays valid on its own, see
                # _code_problems, and is matched separately).
                branches.append(f"(?P<r{number}>{pattern})")
            try:
                self._regex = re.compile("|".join(branches), re.IGNORECASE)
            except re.error:
                self._regex = None
                self._separate = [
                    (re.compile(p, re.IGNORECASE), p, ids) for p, ids in codes_by_pattern.items()
                ]

    def match(self, analysis: TextAnalysis) -> list[RuleMatch]:
        return [RuleMatch(*found) for found in self.matches(analysis)]

    def spans_by_code(self, analysis: TextAnalysis) -> dict[str, list[tuple[int, int]]]:
        """{code: [(start, end), ...]} of the rules that match, as `matches` finds them (each
        code's spans in text order, those of regexes after): what suggestions need, written
        straight into the lists, without a tuple per match nor the rule that matched."""
        spans: dict[str, list[tuple[int, int]]] = {}
        key_list = analysis.match_key_list
        hits = self._first_keys.intersection(key_list)
        if hits:
            token_of = analysis.match_key_tokens
            starts, ends, pos_of = analysis.starts, analysis.ends, analysis.pos
            by_first_key = self._by_first_key
            for key in hits:
                word_codes, phrases = by_first_key[key]
                position = -1
                for _occurrence in range(key_list.count(key)):
                    position = key_list.index(key, position + 1)
                    index = token_of[position]
                    if word_codes:
                        if not (
                            pos_of[index] in _NEGATABLE
                            and not _NEGATIONS.isdisjoint(
                                key_list[max(0, position - _NEGATION_WINDOW) : position]
                            )
                        ):
                            span = (starts[index], ends[index])
                            for code_id in word_codes:
                                found = spans.get(code_id)
                                if found is None:
                                    spans[code_id] = [span]
                                else:
                                    found.append(span)
                    for pattern, length, code_id in phrases:
                        if key_list[position : position + length] == pattern:
                            span = (starts[index], ends[token_of[position + length - 1]])
                            found = spans.get(code_id)
                            if found is None:
                                spans[code_id] = [span]
                            else:
                                found.append(span)
            if len(hits) > 1:
                for found in spans.values():
                    if len(found) > 1:
                        found.sort()
        if self._regex is not None or getattr(self, "_separate", ()):
            for code_id, start, end, _pattern in self._regex_matches(analysis.text):
                spans.setdefault(code_id, []).append((start, end))
        return spans

    def matches(self, analysis: TextAnalysis) -> list[tuple[str, int, int, str]]:
        """(code, start, end, rule) of every rule that matches, as plain tuples, in text order."""
        matches = []
        key_list = analysis.match_key_list
        # Most answers hold a handful of the rules' words: find which in one set operation, then
        # only their positions (list.index runs in C), instead of a Python step per word.
        hits = self._first_keys.intersection(key_list)
        if hits:
            keys = analysis.match_keys
            tokens = analysis.tokens
            words, phrases = self._words, self._phrases
            for key in hits:
                position = -1
                for _occurrence in range(key_list.count(key)):
                    position = key_list.index(key, position + 1)
                    index = keys[position][1]
                    found = words.get(key, ())
                    if found:
                        token = tokens[index]
                        if token.pos in _NEGATABLE and not _NEGATIONS.isdisjoint(
                            key_list[max(0, position - _NEGATION_WINDOW) : position]
                        ):
                            found = ()
                        for code_id, rule in found:
                            matches.append((code_id, token.start, token.end, rule))
                    for pattern, code_id, rule in phrases.get(key, ()):
                        end_position = position + len(pattern)
                        if key_list[position:end_position] == pattern:
                            first, last = tokens[index], tokens[keys[end_position - 1][1]]
                            matches.append((code_id, first.start, last.end, rule))
            if len(hits) > 1:
                matches.sort(key=lambda match: (match[1], match[2]))
        matches.extend(self._regex_matches(analysis.text))
        return matches

    def _regex_matches(self, text: str) -> list[tuple[str, int, int, str]]:
        """(code, start, end, pattern) of the regexes that match, in text order."""
        matches = []
        if self._regex is not None:
            for found in self._regex.finditer(text):
                if found.end() > found.start():
                    pattern, code_ids = self._regex_groups[found.lastgroup]
                    matches.extend(
                        (code_id, found.start(), found.end(), pattern) for code_id in code_ids
                    )
        else:
            for regex, pattern, code_ids in getattr(self, "_separate", ()):
                for found in regex.finditer(text):
                    if found.end() > found.start():
                        matches.extend(
                            (code_id, found.start(), found.end(), pattern) for code_id in code_ids
                        )
        return matches
