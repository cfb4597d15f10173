"""The analysis pages' figures kept per process, keyed by a fingerprint of everything they read.

Results, concordance and agreement aggregate every coding of a questionnaire: at 100,000 answers
that is a second of database work per page, the same second on every visit while nobody codes.
The figures last computed for a page are therefore kept, with the fingerprint of the data they
came from, and computed again whenever the fingerprint differs. They are kept in memory and in a
JSON file of the instance folder, so that every process of the server (gunicorn's workers) serves
the figures one of them computed.

The fingerprint is a few aggregates over whole tables, one short scan each (tens of milliseconds
at that size, against a second for the figures): the answer rows' count and ids, the submissions'
count and last change (answer rows are only ever rewritten with their submission), and counts,
highest ids and id-weighted checksums of the codings (span, code, coder, review flag, text hash)
and pseudonymised texts (validation and text hash), with the codebook's codes as the page loaded
them (and, for the analysis home, of the suggestions). A coding added, moved, confirmed, merged
or removed, an answer edited, moved to another
public or rejected, a validation given or withdrawn: each changes it, whatever process made the
change, so a page never shows figures older than the data. It is read before the figures are
computed, so figures are never older than the fingerprint they are kept under.

Ids alone would not do: SQLite gives a row written again at the end of a table (the last coding
removed and another added) the id the old row had.

On SQLite these aggregates are read only when the change counters are missing: a counter per
submission, added to by triggers on every write to those tables (coding/changes.py), stands for
them. Its sums are read in a few milliseconds; at 25,000 submissions the scans took 0.19 s (every
visit) and 0.28 s more by part (the first visit after a change).

Figures that are sums over submissions (the analysis home's counts, the results page's, and the
counts the agreement page's kappa and alpha are computed from) are kept in parts
(`cached_in_parts`): one per range of PART submission ids, each under the fingerprint of its own
rows (the same aggregates, grouped by range). An answer edited, a coding added or a
validation given changes one part: only that part is counted again, and the figures are the sum of
the parts. At 25,000 submissions the first visit after a change then counts a twenty-fifth of the
data instead of all of it."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import current_app, g, has_request_context, request
from sqlalchemy import BigInteger, case, cast, func, select

from ..extensions import db
from ..submissions.answer_table import AnswerText
from ..submissions.models import Submission
from . import changes
from .models import Codebook, Coding, PseudonymisedAnswer, Suggestion

_CACHE = "consultation.analysis_figures"
_SIZE = 64  # pages kept in memory (a page: questionnaire × grouping, or × coders and question)
_SLOTS = 8  # files per page and questionnaire: parameters from a URL cannot fill the disk
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


_PRIME = 100_000_007
PART = 1000  # submission ids per part of the figures kept in parts (ids PART * n to PART * n + PART - 1)


def _checksum(row_id, value):
    """Sum over rows of the row's value (reduced modulo a prime, so that ten million rows cannot
    overflow SQLite's 64-bit sum) weighted by its id: rows swapping values still change it."""
    return func.sum(cast(row_id % 1009 + 1, BigInteger) * (value % _PRIME))


def _hash_sum(column, dialect: str):
    """A cheap checksum of a hexadecimal hash. PostgreSQL hashes it (hashtext); SQLite has no
    such function and substr() costs ten times more per row than instr(), so there it is the
    first character and where five others first occur (a changed hash keeps all six about once
    in 16 × 31⁵, some 400 million times)."""
    if dialect == "postgresql":
        return cast(func.coalesce(func.hashtext(column), 0), BigInteger)
    total = cast(func.coalesce(func.unicode(column), 0), BigInteger)
    for weight, character in ((131, "a"), (8_647, "0"), (570_719, "7"), (37_667_473, "f")):
        total = total + weight * cast(func.coalesce(func.instr(column, character), 0), BigInteger)
    return total + 2_486_053_163 * cast(func.coalesce(func.instr(column, "c"), 0), BigInteger)


def fingerprint(codebook: Codebook, *, suggestions: bool = False) -> tuple:
    """What the figures of the codebook's questionnaire depend on, in one tuple (see the module);
    with `suggestions`, the suggestions too (their code, status and text hash)."""
    return _fingerprints(codebook, suggestions, by_part=False)[None]


def part_fingerprints(codebook: Codebook, *, suggestions: bool = False) -> dict[int, tuple]:
    """`fingerprint` for each part of PART submission ids that holds any row: {part: tuple}."""
    return _fingerprints(codebook, suggestions, by_part=True)


def _fingerprints(codebook: Codebook, suggestions: bool, *, by_part: bool) -> dict:
    """{part: fingerprint} (by_part), or {None: fingerprint of everything}: the same aggregates,
    grouped by part of submission ids or not. On SQLite, the change counters' sums (see
    coding/changes.py) stand for the scans."""
    codes = _codes(codebook)
    if changes.in_place():
        counted = changes.counters(suggestions, PART if by_part else None)
        return {part: (("changes", *sums), codes) for part, sums in counted.items()}
    dialect = db.session.get_bind().dialect.name

    # Answer rows are only ever rewritten with their submission, whose updated_at then moves: ids
    # and counts tell rows added or removed, the submissions' last change the rest.
    answers = _aggregates(
        by_part,
        AnswerText.submission_id,
        (func.count(AnswerText.id), func.max(AnswerText.id), func.sum(AnswerText.id)),
        AnswerText.questionnaire_id == codebook.questionnaire_id,
    )
    submissions = _aggregates(
        by_part, Submission.id, (func.count(Submission.id), func.max(Submission.updated_at))
    )
    codings = _aggregates(
        by_part,
        Coding.submission_id,
        (
            func.count(Coding.id),
            func.max(Coding.id),
            func.sum(Coding.id),
            _checksum(
                Coding.id,
                Coding.start
                + 3 * Coding.end
                + 7 * Coding.code_id
                + 11 * Coding.coder_id
                + 13 * cast(Coding.submission_id, BigInteger)
                + case((Coding.needs_review.is_(True), 17), else_=0)
                # A confirmed coding takes the answer's current hash.
                + 19 * _hash_sum(Coding.text_hash, dialect),
            ),
        ),
    )
    pseudonymised = _aggregates(
        by_part,
        PseudonymisedAnswer.submission_id,
        (
            func.count(PseudonymisedAnswer.id),
            func.max(PseudonymisedAnswer.id),
            func.sum(PseudonymisedAnswer.id),
            func.count(PseudonymisedAnswer.validated_at),
            func.max(PseudonymisedAnswer.validated_at),
            # The analysis job brings a pseudonymised text up to its answer's current hash.
            _checksum(PseudonymisedAnswer.id, _hash_sum(PseudonymisedAnswer.text_hash, dialect)),
        ),
    )
    suggested = (
        _aggregates(
            by_part,
            Suggestion.submission_id,
            (
                func.count(Suggestion.id),
                func.max(Suggestion.id),
                func.sum(Suggestion.id),
                _checksum(
                    Suggestion.id,
                    Suggestion.code_id
                    + 3 * cast(Suggestion.submission_id, BigInteger)
                    + case((Suggestion.status == "pending", 5), else_=0)
                    + 7 * _hash_sum(Suggestion.text_hash, dialect),
                ),
            ),
        )
        if suggestions
        else {}
    )
    parts = (
        set(answers) | set(submissions) | set(codings) | set(pseudonymised) | set(suggested)
        if by_part
        else {None}
    )
    empty = (None,)
    return {
        part: (
            tuple(answers.get(part, empty)),
            tuple(str(value) for value in submissions.get(part, empty)),
            tuple(codings.get(part, empty)),
            tuple(str(value) for value in pseudonymised.get(part, empty)),
            tuple(str(value) for value in suggested.get(part, ())),
            codes,
        )
        for part in parts
    }


def _codes(codebook: Codebook) -> tuple:
    """The codebook's codes as the page loaded them."""
    return tuple(
        (
            code.id,
            code.key,
            code.name,
            code.colour,
            code.parent_id,
            code.merged_into_id,
            code.position,
        )
        for code in codebook.codes
    )


def _aggregates(by_part: bool, submission_id, aggregates: tuple, *where) -> dict:
    """{None: aggregates over the rows}, or {part: aggregates over the part's rows} for the parts
    that hold rows."""
    if not by_part:
        return {None: tuple(db.session.execute(select(*aggregates).where(*where)).one())}
    part = (submission_id // PART).label("part")
    return {
        row[0]: tuple(row[1:])
        for row in db.session.execute(select(part, *aggregates).where(*where).group_by(part))
    }


def cached(
    codebook: Codebook,
    page: str,
    parameters: tuple,
    compute: Callable[[], object],
    *,
    suggestions: bool = False,
):
    """The figures `compute()` gives for this page of the codebook's questionnaire: those kept
    when the data have not changed since, else computed now and kept. Figures must be plain JSON
    (tuples come back as lists); the caller must not change what it gets (it is shared). Figures
    that count suggestions say so (`suggestions`): their fingerprint covers them too."""
    digest = _digest(codebook, suggestions)
    key = repr((page, codebook.questionnaire_id, parameters))
    figures, _parts = _remembered(key, digest)
    if figures is not None:
        return figures
    path = _file(page, codebook.questionnaire_id, key)
    figures = _read(path, key, digest)
    if figures is None:
        figures = json.loads(json.dumps(compute(), default=_plain))
        _write(path, {"key": key, "fingerprint": digest, "figures": figures})
    _remember(key, digest, figures)
    return figures


def cached_in_parts(
    codebook: Codebook,
    page: str,
    parameters: tuple,
    compute_part: Callable[[int, int], object],
    merge: Callable[[list], object],
    *,
    suggestions: bool = False,
):
    """`cached` for figures that add up over submissions: `compute_part(low, high)` gives the
    plain JSON counts of the submissions of ids low to high - 1 (a part of PART ids),
    `merge(counts of every part, in order)` the figures. Only the parts whose fingerprint changed
    since they were counted are counted again. The fingerprint of everything is read first, as
    `cached` reads it: the parts' fingerprints (a grouped scan, dearer) only when it changed.

    A part's counts are kept as their JSON text, in memory and in the file, and read only to be
    added up: a few dozen strings outlive the visit instead of tens of thousands of lists, which
    would soon set off a full garbage collection of the worker (a quarter of a second once the
    French pipeline is loaded, on the visit that happens to allocate past the threshold)."""
    whole = _digest(codebook, suggestions)
    key = repr((page, codebook.questionnaire_id, parameters))
    figures, kept = _remembered(key, whole)
    if figures is not None:
        return figures
    path = _file(page, codebook.questionnaire_id, key)
    stored = _read_stored(path, key)
    if stored.get("fingerprint") == whole and "figures" in stored:
        figures, parts = stored["figures"], _stored_parts(stored)
    else:
        # The parts counted before, in this process or another: the freshest of the two.
        on_disk = _stored_parts(stored)
        parts = {}
        for part, digest in sorted(_part_digests(codebook, suggestions).items()):
            counted = next(
                (held[part] for held in (kept, on_disk) if held.get(part, (None,))[0] == digest),
                None,
            )
            if counted is None:
                low = part * PART
                counted = (digest, json.dumps(compute_part(low, low + PART), default=_plain))
            parts[part] = counted
        figures = _plain_json(merge([json.loads(counts) for _digest, counts in parts.values()]))
        _write(
            path,
            {
                "key": key,
                "fingerprint": whole,
                "figures": figures,
                "parts": [[part, digest, counts] for part, (digest, counts) in parts.items()],
            },
        )
    _remember(key, whole, figures, parts)
    return figures


def _remembered(key: str, digest: str) -> tuple[object, dict]:
    """(the figures kept in memory under `key` if kept under `digest`, else None; the parts they
    were added from, even when older than `digest`: those whose own fingerprint did not move are
    not counted again)."""
    store = current_app.extensions.setdefault(_CACHE, OrderedDict())
    with _LOCK:
        found = store.get(key)
        if found is None:
            return None, {}
        if found[0] != digest:
            return None, found[2]
        store.move_to_end(key)
        return found[1], found[2]


def _remember(key: str, digest: str, figures, parts: dict | None = None) -> None:
    """Keeps the figures (and the parts they were added from) in memory under `key`, the least
    recently used page leaving beyond _SIZE."""
    store = current_app.extensions.setdefault(_CACHE, OrderedDict())
    with _LOCK:
        store[key] = (digest, figures, parts or {})
        store.move_to_end(key)
        while len(store) > _SIZE:
            store.popitem(last=False)


def _part_digests(codebook: Codebook, suggestions: bool) -> dict[int, str]:
    """{part: digest of its fingerprint}, read once per page shown (see `_digest`)."""
    if not (has_request_context() and request.method in ("GET", "HEAD")):
        return _hashed_parts(part_fingerprints(codebook, suggestions=suggestions))
    # Beside the whole fingerprints, in the same place of the request.
    read = g.setdefault("analysis_fingerprints", {})
    if (codebook.id, suggestions, "parts") not in read:
        read[codebook.id, suggestions, "parts"] = _hashed_parts(
            part_fingerprints(codebook, suggestions=suggestions)
        )
    return read[codebook.id, suggestions, "parts"]


def _hashed_parts(found: dict) -> dict[int, str]:
    return {int(part): _hashed(fingerprint) for part, fingerprint in found.items()}


def _plain_json(value):
    return json.loads(json.dumps(value, default=_plain))


def _read_stored(path: Path, key: str) -> dict:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) and stored.get("key") == key else {}


def _stored_parts(stored: dict) -> dict:
    """{part: (digest, its counts' JSON text)} of a file (parts kept otherwise are counted again)."""
    try:
        return {
            int(part): (digest, counts)
            for part, digest, counts in stored.get("parts", [])
            if isinstance(counts, str)
        }
    except (TypeError, ValueError):
        return {}


def _digest(codebook: Codebook, suggestions: bool) -> str:
    """The fingerprint's digest, read once per page shown: a GET request changes no answer,
    coding or validation, so the results page's several kept figures share one reading."""
    if not (has_request_context() and request.method in ("GET", "HEAD")):
        return _hashed(fingerprint(codebook, suggestions=suggestions))
    read = g.setdefault("analysis_fingerprints", {})
    if (codebook.id, suggestions) not in read:
        read[codebook.id, suggestions] = _hashed(fingerprint(codebook, suggestions=suggestions))
    return read[codebook.id, suggestions]


def _hashed(found: tuple) -> str:
    return hashlib.sha256(repr(found).encode()).hexdigest()


def _plain(value):
    if hasattr(value, "item"):  # a numpy number from pandas
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _file(page: str, questionnaire_id: int, key: str) -> Path:
    slot = int(hashlib.sha256(key.encode()).hexdigest(), 16) % _SLOTS
    return (
        Path(current_app.instance_path)
        / "analysis_figures"
        / f"{questionnaire_id}-{page}-{slot}.json"
    )


def _read(path: Path, key: str, digest: str):
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("figures") if stored.get("fingerprint") == digest else None


def _write(path: Path, stored: dict) -> None:
    """Written aside then renamed, so that another process never reads half a file. A folder
    that cannot be written only costs the other processes their own computation."""
    written = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            written = handle.name
            # Encoded in one piece: json.dump writes through the pure-Python encoder, several
            # times slower on figures of hundreds of kilobytes.
            handle.write(json.dumps(stored))
        os.replace(written, path)
    except OSError:
        log.warning("chiffres d'analyse non enregistrés dans %s", path, exc_info=True)
        if written is not None:
            Path(written).unlink(missing_ok=True)
