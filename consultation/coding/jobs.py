"""Background jobs of the coding workspace.

« Analyser les réponses » pseudonymises, lemmatises and suggests codes for every free-text answer of
a questionnaire, in batches, touching only answers that are new or changed since the last run (the
token cache of analyse.nlp keeps lemmas of texts already seen). « Réentraîner » learns the
suggestion model from the codings and saves it under instance/models/."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from ..extensions import db
from ..jobs.models import Job
from ..jobs.queue import job_handler, start_job
from ..submissions.answer_table import AnswerText
from .models import Code, Codebook, Coding, PseudonymisedAnswer, Suggestion
from .results import SETTLED
from .services import (
    SOURCES,
    active_codes,
    all_answer_rows,
    analysed_answers,
    codebook_of,
    spans_json,
    to_analyse,
)

ANALYSE = "coding.analyse"
RETRAIN = "coding.retrain"
# Answers per committed batch: large enough for nlp.pipe to batch well, small enough for a
# progress bar that moves and little work lost if the job fails.
BATCH_SIZE = 250


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
    return (
        Path(current_app.instance_path)
        / "models"
        / f"suggestions-questionnaire-{questionnaire_id}.joblib"
    )


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
        select(Job)
        .where(Job.kind == kind, Job.status.in_(("queued", "running")))
        .order_by(Job.id.desc())
    ):
        if job.params.get("questionnaire_id") == questionnaire_id:
            return job
    return None


def latest_job(kind: str, questionnaire_id: int) -> Job | None:
    for job in db.session.scalars(
        select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(50)
    ):
        if job.params.get("questionnaire_id") == questionnaire_id:
            return job
    return None


def retraining_due(codebook: Codebook) -> bool:
    """Enough new codings since the last training, by analyse's rule (Suggester.needs_retraining)."""
    from analyse.suggestions import Suggester

    meta = training_meta(codebook.questionnaire_id)
    count = (
        db.session.scalar(
            select(func.count(Coding.id))
            .join(Code, Coding.code_id == Code.id)
            .where(Code.codebook_id == codebook.id)
        )
        or 0
    )
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


@dataclass(frozen=True)
class _Answer:
    """What a job needs of an answer, read once: ORM rows expire at each progress commit and
    would be loaded again one by one."""

    submission_id: int
    path: str
    text: str
    hash: str

    @property
    def key(self) -> tuple[int, str]:
        return (self.submission_id, self.path)


def _answers(rows) -> list[_Answer]:
    return [_Answer(row.submission.id, row.path, row.text, row.hash) for row in rows]


def _write_suggestions(answers: list[_Answer], suggester, code_ids: dict[str, int], cache) -> int:
    """Replace the pending suggestions of these answers by fresh ones; decisions already taken on
    the same text and codes already coded are not suggested again. One DELETE and one INSERT per
    batch, whatever the number of answers."""
    from analyse.nlp import analyse_texts

    if not answers:
        return 0
    analyses = analyse_texts(
        [answer.text for answer in answers], cache=cache, model=suggester.nlp_model
    )
    found = suggester.suggest_analyses(analyses)
    hashes = {answer.key: answer.hash for answer in answers}
    ids = sorted({answer.submission_id for answer in answers})
    decided: dict[tuple, set[int]] = {}
    coded: dict[tuple, set[int]] = {}
    replaced: list[int] = []
    for part in _chunks(ids, 500):
        for (
            suggestion_id,
            submission_id,
            path,
            code_id,
            status,
            digest,
            source,
        ) in db.session.execute(
            select(
                Suggestion.id,
                Suggestion.submission_id,
                Suggestion.path,
                Suggestion.code_id,
                Suggestion.status,
                Suggestion.text_hash,
                Suggestion.source,
            ).where(Suggestion.submission_id.in_(part))
        ):
            key = (submission_id, path)
            if key not in hashes:
                continue
            # A coder's decision on this very text stands; so do the suggestions of an emerging
            # class (coding/classes.py), which the suggester cannot make again.
            if (status != "pending" or source == "classes") and digest == hashes[key]:
                decided.setdefault(key, set()).add(code_id)
            else:
                replaced.append(suggestion_id)
        for submission_id, path, code_id in db.session.execute(
            select(Coding.submission_id, Coding.path, Coding.code_id).where(
                Coding.submission_id.in_(part)
            )
        ):
            coded.setdefault((submission_id, path), set()).add(code_id)
    for part in _chunks(replaced, 500):
        db.session.execute(
            delete(Suggestion).where(Suggestion.id.in_(part)),
            execution_options={"synchronize_session": False},
        )
    records = []
    for answer, suggestions in zip(answers, found):
        skipped = decided.get(answer.key, set()) | coded.get(answer.key, set())
        for suggestion in suggestions:
            code_id = code_ids.get(suggestion.code)
            if code_id is None or code_id in skipped:
                continue
            records.append(
                {
                    "submission_id": answer.submission_id,
                    "path": answer.path,
                    "code_id": code_id,
                    "score": round(suggestion.score, 4),
                    "spans": [list(span) for span in suggestion.spans],
                    "source": SOURCES.get(suggestion.source, "rules"),
                    "text_hash": answer.hash,
                    "status": "pending",
                }
            )
    if records:
        db.session.execute(insert(Suggestion), records)
    return len(records)


def _pseudonymise(answers: list[_Answer], stored: dict[tuple, int], registries: dict) -> None:
    """Pseudonymise new or changed answers: one INSERT for the new ones, one UPDATE for the others
    (whose validation is lifted: a changed text needs a new look by a coder)."""
    from analyse.pseudonymise import PersonRegistry, detect_many, render

    if not answers:
        return
    found = detect_many([answer.text for answer in answers])
    new, changed = [], []
    for answer, spans in zip(answers, found):
        # One registry per respondent: « Kevin » is [PERSONNE_1] in all their answers.
        result = render(
            answer.text,
            spans,
            registry=registries.setdefault(answer.submission_id, PersonRegistry()),
        )
        values = {
            "text_hash": answer.hash,
            "text": result.text,
            "spans": spans_json(result),
            "validated_at": None,
            "validated_by_id": None,
        }
        if answer.key in stored:
            changed.append({"id": stored[answer.key], **values})
        else:
            new.append({"submission_id": answer.submission_id, "path": answer.path, **values})
    if new:
        db.session.execute(insert(PseudonymisedAnswer), new)
    if changed:
        db.session.execute(update(PseudonymisedAnswer), changed)


@job_handler(ANALYSE)
def analyse_answers(job: Job, progress) -> dict:
    questionnaire_id = job.params["questionnaire_id"]
    force = bool(job.params.get("force"))
    codebook = codebook_of(questionnaire_id)
    if codebook is None:
        raise ValueError("ce questionnaire n'a pas de livre de codes")
    # What changed since the last analysis, in one query: answers whose pseudonymised text is
    # missing or was made from another text.
    answers, stale, stored = [], [], {}
    for submission_id, path, text, digest, record_id, known in db.session.execute(
        select(
            AnswerText.submission_id,
            AnswerText.path,
            AnswerText.text,
            AnswerText.text_hash,
            PseudonymisedAnswer.id,
            PseudonymisedAnswer.text_hash,
        )
        .outerjoin(
            PseudonymisedAnswer,
            (PseudonymisedAnswer.submission_id == AnswerText.submission_id)
            & (PseudonymisedAnswer.path == AnswerText.path),
        )
        .where(*analysed_answers(questionnaire_id))
        .order_by(AnswerText.submission_id, AnswerText.position)
    ):
        answer = _Answer(submission_id, path, text, digest)
        answers.append(answer)
        if record_id is not None:
            stored[answer.key] = record_id
        if known != digest:
            stale.append(answer)
    to_suggest = answers if force else stale
    if not to_suggest:
        _write_lemmas(questionnaire_id, analysis_cache(), _nlp_model())
        progress(0, 0, "Rien de nouveau : toutes les réponses étaient déjà analysées.")
        return {"answers": len(answers), "analysed": 0, "pseudonymised": 0, "suggestions": 0}
    progress(0, len(to_suggest), "Chargement du modèle de langue…")
    suggester = load_suggester(codebook)
    code_ids = {code.key: code.id for code in active_codes(codebook)}
    cache = analysis_cache()
    stale_keys = {answer.key for answer in stale}
    registries: dict = {}
    created = done = 0
    # Each batch is committed by progress(): a job that fails keeps the batches already done.
    for batch in _chunks(to_suggest, BATCH_SIZE):
        _pseudonymise([answer for answer in batch if answer.key in stale_keys], stored, registries)
        created += _write_suggestions(batch, suggester, code_ids, cache)
        done += len(batch)
        progress(done, len(to_suggest), f"{done} réponse(s) analysée(s) sur {len(to_suggest)}")
    _write_lemmas(questionnaire_id, cache, suggester.nlp_model)
    return {
        "answers": len(answers),
        "analysed": len(to_suggest),
        "pseudonymised": len(stale),
        "suggestions": created,
    }


def _write_lemmas(questionnaire_id: int, cache, model: str) -> None:
    """Give the concordance's full-text index the lemmas of the answers that have none yet (new
    or edited since): their tokens are in the cache when the batches above analysed them."""
    from analyse.nlp import analyse_texts, fold

    missing = db.session.execute(
        select(AnswerText.id, AnswerText.text)
        .where(AnswerText.questionnaire_id == questionnaire_id, AnswerText.lemmas.is_(None))
        .order_by(AnswerText.id)
    ).all()
    for batch in _chunks(missing, BATCH_SIZE * 4):
        analyses = analyse_texts([text for _, text in batch], cache=cache, model=model)
        db.session.execute(
            update(AnswerText),
            [
                {
                    "id": answer_id,
                    "lemmas": " ".join(
                        dict.fromkeys(fold(token.lemma) for token in analysis.tokens)
                    ),
                }
                for (answer_id, _), analysis in zip(batch, analyses)
            ],
        )


@job_handler(RETRAIN)
def retrain(job: Job, progress) -> dict:
    from analyse.suggestions import train_suggester

    questionnaire_id = job.params["questionnaire_id"]
    codebook = codebook_of(questionnaire_id)
    if codebook is None:
        raise ValueError("ce questionnaire n'a pas de livre de codes")
    keys = {
        code.id: code.key
        for code in db.session.scalars(select(Code).where(Code.codebook_id == codebook.id))
    }
    # The coded answers' texts from the answer table, in the order the codings were read before.
    # A coding « à revoir » teaches nothing until a coder confirms it: its words were edited.
    coded_texts = db.session.execute(
        select(Coding.submission_id, Coding.path, Coding.code_id, AnswerText.text)
        .join(Code, Coding.code_id == Code.id)
        .join(
            AnswerText,
            (AnswerText.submission_id == Coding.submission_id) & (AnswerText.path == Coding.path),
        )
        .where(Code.codebook_id == codebook.id, SETTLED)
        .order_by(Coding.submission_id, Coding.path, Coding.start)
    ).all()
    codings = coded_texts
    labels: dict[tuple, set[str]] = {}
    texts: dict[tuple, str | None] = {}
    for submission_id, path, code_id, text in coded_texts:
        labels.setdefault((submission_id, path), set()).add(keys[code_id])
        texts[(submission_id, path)] = text
    examples = []
    for key, codes in labels.items():
        text = texts[key]
        if text and text.strip():
            examples.append((text, sorted(codes)))
    progress(0, 2, f"Apprentissage sur {len(examples)} réponse(s) codée(s)…")
    path = model_path(questionnaire_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    suggester = train_suggester(
        examples, to_analyse(codebook), path, cache=analysis_cache(), nlp_model=_nlp_model()
    )
    _write_meta(
        questionnaire_id,
        {
            "codings": len(codings),
            "examples": len(examples),
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **_model_meta(suggester.model),
        },
    )
    progress(1, 2, "Nouvelles suggestions pour les réponses pas encore codées…")
    coded = set(labels)
    answers = [
        answer for answer in _answers(all_answer_rows(questionnaire_id)) if answer.key not in coded
    ]
    code_ids = {code.key: code.id for code in active_codes(codebook)}
    created = 0
    for batch in _chunks(answers, BATCH_SIZE):
        created += _write_suggestions(batch, suggester, code_ids, analysis_cache())
    progress(2, 2, "Modèle réentraîné")
    return {
        "examples": len(examples),
        "codes_learned": len(suggester.model.codes) if suggester.model else 0,
        "suggestions": created,
    }


def _model_meta(model) -> dict:
    """What the coding home page says of a trained model (TrainingSummary): the codes it learned,
    the regularisation and the thresholds chosen on the coded answers."""
    from importlib.metadata import version

    from analyse.code_model import NO_CODE

    if model is None:
        return {"codes": 0, "C": None}
    learned = [index for index, code in enumerate(model.codes) if code != NO_CODE]
    tuned = [
        float(model.thresholds[index])
        for index in learned
        if model.threshold_tuned is not None and model.threshold_tuned[index]
    ]
    return {
        # The internal « no code » label is a decision, not a code of the codebook.
        "codes": len(learned),
        "C": model.C,
        # The regularisation chosen on these codings by inner cross-validation, with the inner
        # micro-F1 of each C tried; None when there were too few answers to choose.
        "C_scores": {f"{C:g}": f1 for C, f1 in model.C_scores.items()} if model.C_scores else None,
        "thresholds": {
            "tuned": len(tuned),
            "min": min(tuned, default=None),
            "max": max(tuned, default=None),
        },
        # A model saved by another scikit-learn is not loaded (Suggester.load): rules alone.
        "sklearn": version("scikit-learn"),
    }


@dataclass(frozen=True)
class TrainingSummary:
    """The suggester a questionnaire's suggestions come from, as the coding pages tell it.
    `trained_at` None: the codebook's rules alone (cold start), `stale` saying why when a model
    was trained but can no longer be used."""

    trained_at: datetime | None = None
    examples: int = 0
    codes: int = 0
    C: float | None = None
    C_chosen: bool = False
    tuned_thresholds: int | None = None  # None: not recorded (a model trained before)
    threshold_range: tuple[float, float] | None = None
    default_threshold: float = 0.5
    stale: str = ""

    @property
    def rules_only(self) -> bool:
        return self.trained_at is None or not self.codes or bool(self.stale)


def training_summary(questionnaire_id: int) -> TrainingSummary:
    from importlib.metadata import version

    from analyse.code_model import DEFAULT_THRESHOLD

    meta = training_meta(questionnaire_id)
    try:
        trained_at = datetime.fromisoformat(meta["trained_at"])
    except (KeyError, TypeError, ValueError):
        return TrainingSummary(default_threshold=DEFAULT_THRESHOLD)
    stale = ""
    if meta.get("codes") and not model_path(questionnaire_id).exists():
        stale = "missing"
    elif meta.get("sklearn") and meta["sklearn"] != version("scikit-learn"):
        stale = "sklearn"
    thresholds = meta.get("thresholds")
    low, high = (thresholds["min"], thresholds["max"]) if thresholds else (None, None)
    return TrainingSummary(
        trained_at=trained_at,
        examples=int(meta.get("examples", 0)),
        codes=int(meta.get("codes") or 0),
        C=meta.get("C"),
        C_chosen=bool(meta.get("C_scores")),
        tuned_thresholds=int(thresholds["tuned"]) if thresholds else None,
        threshold_range=(low, high) if low is not None and high is not None else None,
        default_threshold=DEFAULT_THRESHOLD,
        stale=stale,
    )


def _write_meta(questionnaire_id: int, meta: dict) -> None:
    path = _meta_path(questionnaire_id)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(meta, out)
    os.replace(temporary, path)
