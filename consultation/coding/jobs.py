"""Background jobs of the coding workspace.

« Analyser les réponses » pseudonymises, lemmatises and suggests codes for every free-text answer of
a questionnaire, in batches, touching only answers that are new or changed since the last run (the
token cache of analyse.nlp keeps lemmas of texts already seen). « Réentraîner » learns the
suggestion model from the codings and saves it under instance/models/."""
from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..jobs.models import Job
from ..jobs.queue import job_handler, start_job
from .models import Code, Codebook, Coding, PseudonymisedAnswer, Suggestion
from .services import SOURCES, active_codes, all_answer_rows, codebook_of, codings_of, spans_json, text_at, to_analyse

ANALYSE = "coding.analyse"
RETRAIN = "coding.retrain"
BATCH_SIZE = 100


def analysis_cache():
    """One token cache per app, in a SQLite file under instance/ so it survives restarts."""
    from analyse.nlp import AnalysisCache

    caches = current_app.extensions.setdefault("coding.caches", {})
    path = Path(current_app.instance_path) / "analysis" / "tokens.sqlite3"
    if str(path) not in caches:
        caches[str(path)] = AnalysisCache(path)
    return caches[str(path)]


def _nlp_model() -> str:
    return current_app.config.get("SPACY_MODEL", "fr_core_news_sm")


def model_path(questionnaire_id: int) -> Path:
    return Path(current_app.instance_path) / "models" / f"suggestions-questionnaire-{questionnaire_id}.joblib"


def _meta_path(questionnaire_id: int) -> Path:
    return model_path(questionnaire_id).with_suffix(".json")


def training_meta(questionnaire_id: int) -> dict:
    try:
        return json.loads(_meta_path(questionnaire_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def load_suggester(codebook: Codebook):
    """The trained suggester of the questionnaire with today's codebook, or rules alone."""
    from analyse.suggestions import Suggester

    current = to_analyse(codebook)
    path = model_path(codebook.questionnaire_id)
    if path.exists():
        try:
            suggester = Suggester.load(path)
        except (ValueError, OSError, EOFError) as error:
            current_app.logger.warning("Modèle de suggestions ignoré : %s", error)
        else:
            # Renamed or merged codes since training: the rules come from today's codebook, the
            # model's codes that no longer exist are skipped by the suggester.
            suggester.codebook = current
            return suggester
    return Suggester(current, nlp_model=_nlp_model())


def start_analysis(questionnaire_id: int, user_id: int | None, *, force: bool = False) -> Job:
    return start_job(ANALYSE, {"questionnaire_id": questionnaire_id, "force": force}, user_id)


def running_job(kind: str, questionnaire_id: int) -> Job | None:
    for job in db.session.scalars(
        select(Job).where(Job.kind == kind, Job.status.in_(("queued", "running"))).order_by(Job.id.desc())
    ):
        if job.params.get("questionnaire_id") == questionnaire_id:
            return job
    return None


def latest_job(kind: str, questionnaire_id: int) -> Job | None:
    for job in db.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(50)):
        if job.params.get("questionnaire_id") == questionnaire_id:
            return job
    return None


def retraining_due(codebook: Codebook) -> bool:
    """Enough new codings since the last training, by analyse's rule (Suggester.needs_retraining)."""
    from analyse.suggestions import Suggester

    meta = training_meta(codebook.questionnaire_id)
    count = len(codings_of(codebook))
    suggester = Suggester(to_analyse(codebook), n_examples=int(meta.get("examples", 0)))
    return suggester.needs_retraining(count - int(meta.get("codings", 0)))


def maybe_start_retraining(codebook: Codebook, user_id: int | None) -> Job | None:
    """Called after codings change; the caller commits then enqueues the returned job."""
    if running_job(RETRAIN, codebook.questionnaire_id) is not None or not retraining_due(codebook):
        return None
    return start_job(RETRAIN, {"questionnaire_id": codebook.questionnaire_id}, user_id)


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_suggestions(rows, suggester, codebook: Codebook, cache) -> int:
    """Replace the pending suggestions of these answers by fresh ones; decisions already taken on
    the same text and codes already coded are not suggested again."""
    from analyse.nlp import analyse_texts

    if not rows:
        return 0
    codes = {code.key: code for code in active_codes(codebook)}
    analyses = analyse_texts([row.text for row in rows], cache=cache, model=suggester.nlp_model)
    found = suggester.suggest_analyses(analyses)
    ids = sorted({row.submission.id for row in rows})
    keys = {(row.submission.id, row.path) for row in rows}
    existing: dict[tuple, list[Suggestion]] = {}
    coded: dict[tuple, set[int]] = {}
    for part in _chunks(ids, 500):
        for suggestion in db.session.scalars(select(Suggestion).where(Suggestion.submission_id.in_(part))):
            if (suggestion.submission_id, suggestion.path) in keys:
                existing.setdefault((suggestion.submission_id, suggestion.path), []).append(suggestion)
        for coding in db.session.scalars(select(Coding).where(Coding.submission_id.in_(part))):
            coded.setdefault((coding.submission_id, coding.path), set()).add(coding.code_id)
    created = 0
    for row, suggestions in zip(rows, found):
        key = (row.submission.id, row.path)
        kept: dict[int, Suggestion] = {}
        for old in existing.get(key, []):
            if old.status != "pending" and old.text_hash == row.hash:
                kept[old.code_id] = old  # a coder's decision on this very text stands
            else:
                db.session.delete(old)
        db.session.flush()
        for suggestion in suggestions:
            code = codes.get(suggestion.code)
            if code is None or code.id in kept or code.id in coded.get(key, set()):
                continue
            db.session.add(Suggestion(
                submission_id=row.submission.id, path=row.path, code_id=code.id, score=round(suggestion.score, 4),
                spans=[list(span) for span in suggestion.spans], source=SOURCES.get(suggestion.source, "rules"),
                text_hash=row.hash, status="pending",
            ))
            created += 1
    db.session.flush()
    return created


def _pseudonymise(rows, stored: dict) -> None:
    from analyse.pseudonymise import PersonRegistry, detect_many, render

    found = detect_many([row.text for row in rows])
    registries: dict[int, PersonRegistry] = {}
    for row, spans in zip(rows, found):
        result = render(row.text, spans, registry=registries.setdefault(row.submission.id, PersonRegistry()))
        record = stored.get((row.submission.id, row.path))
        if record is None:
            record = PseudonymisedAnswer(submission_id=row.submission.id, path=row.path)
            db.session.add(record)
            stored[(row.submission.id, row.path)] = record
        record.text_hash, record.text, record.spans = row.hash, result.text, spans_json(result)
        # A changed text needs a new look by a coder before it goes beyond them.
        record.validated_at, record.validated_by_id = None, None
    db.session.flush()


@job_handler(ANALYSE)
def analyse_answers(job: Job, progress) -> dict:
    questionnaire_id = job.params["questionnaire_id"]
    force = bool(job.params.get("force"))
    codebook = codebook_of(questionnaire_id)
    if codebook is None:
        raise ValueError("ce questionnaire n'a pas de livre de codes")
    rows = all_answer_rows(questionnaire_id)
    stored = {(record.submission_id, record.path): record for record in db.session.scalars(
        select(PseudonymisedAnswer).where(PseudonymisedAnswer.submission_id.in_({r.submission.id for r in rows}))
    )} if rows else {}
    stale = [row for row in rows if (row.submission.id, row.path) not in stored
             or stored[(row.submission.id, row.path)].text_hash != row.hash]
    to_suggest = rows if force else stale
    progress(0, len(to_suggest), "Chargement du modèle de langue…")
    suggester = load_suggester(codebook)
    cache = analysis_cache()
    stale_keys = {(row.submission.id, row.path) for row in stale}
    created = done = 0
    for batch in _chunks(to_suggest, BATCH_SIZE):
        _pseudonymise([row for row in batch if (row.submission.id, row.path) in stale_keys], stored)
        created += _write_suggestions(batch, suggester, codebook, cache)
        done += len(batch)
        progress(done, len(to_suggest), f"{done} réponse(s) analysée(s) sur {len(to_suggest)}")
    return {"answers": len(rows), "analysed": len(to_suggest), "pseudonymised": len(stale), "suggestions": created}


@job_handler(RETRAIN)
def retrain(job: Job, progress) -> dict:
    from analyse.suggestions import train_suggester

    questionnaire_id = job.params["questionnaire_id"]
    codebook = codebook_of(questionnaire_id)
    if codebook is None:
        raise ValueError("ce questionnaire n'a pas de livre de codes")
    codings = codings_of(codebook)
    keys = {code.id: code.key for code in db.session.scalars(select(Code).where(Code.codebook_id == codebook.id))}
    labels: dict[tuple, set[str]] = {}
    submissions = {}
    for coding in codings:
        labels.setdefault((coding.submission_id, coding.path), set()).add(keys[coding.code_id])
        submissions[coding.submission_id] = coding.submission
    examples = []
    for (submission_id, path), codes in labels.items():
        text = text_at(submissions[submission_id].answers or {}, path)
        if text and text.strip():
            examples.append((text, sorted(codes)))
    progress(0, 2, f"Apprentissage sur {len(examples)} réponse(s) codée(s)…")
    path = model_path(questionnaire_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    suggester = train_suggester(examples, to_analyse(codebook), path, cache=analysis_cache(), nlp_model=_nlp_model())
    _write_meta(questionnaire_id, {"codings": len(codings), "examples": len(examples),
                                   "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                   "codes": len(suggester.model.codes) if suggester.model else 0})
    progress(1, 2, "Nouvelles suggestions pour les réponses pas encore codées…")
    coded = set(labels)
    rows = [row for row in all_answer_rows(questionnaire_id) if (row.submission.id, row.path) not in coded]
    created = 0
    for batch in _chunks(rows, BATCH_SIZE):
        created += _write_suggestions(batch, suggester, codebook, analysis_cache())
    progress(2, 2, "Modèle réentraîné")
    return {"examples": len(examples), "codes_learned": len(suggester.model.codes) if suggester.model else 0,
            "suggestions": created}


def _write_meta(questionnaire_id: int, meta: dict) -> None:
    path = _meta_path(questionnaire_id)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(meta, out)
    os.replace(temporary, path)
