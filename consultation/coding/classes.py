"""« Thèmes émergents »: Reinert's classification (analyse/reinert.py) of a questionnaire's free-text
answers, run as a background job, kept with its parameters and a fingerprint of the answers it
read; a class turned into a code of the codebook with its answers as suggestions to decide; the
corpus for IRaMuTeQ and the classes as CSV.

What readers see follows coding/results.py: coders read the original segments, everyone else only
the validated pseudonymised text; words a pseudonymisation replaced are not shown to them either."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..jobs.models import Job
from ..jobs.queue import JobError, job_handler, start_job
from ..studies.audit import record
from ..submissions.answer_table import AnswerText
from ..submissions.models import AGE_BANDS, CHANNELS, PUBLICS
from .classes_models import EmergentClassification
from .models import Codebook, PseudonymisedAnswer, Suggestion
from .results import visible_span
from .services import CodingError, all_answer_rows, analysed_answers, attach, create_code

CLASSIFY = "coding.classes"
PROFILE_VARIABLES = {
    "public": "Public",
    "age_band": "Tranche d'âge",
    "commune": "Commune",
    "channel": "Canal",
}
CLASS_CHOICES = range(2, 16)
SEGMENT_SIZES = (20, 30, 40, 60, 80)
TERMS_KEPT = 40  # characteristic words kept per class (the positive ones, strongest first)
SEGMENTS_SHOWN = 8
SUGGESTION_SCORE = 0.5  # a class says « about this », not how sure: neither sure nor doubtful


@dataclass
class _Answer:
    submission_id: int
    path: str
    text: str
    hash: str
    profile: dict = field(default_factory=dict)


def read_answers(questionnaire_id: int, questions: list[str]) -> list[_Answer]:
    """The non-empty answers of the questions, in submission order, with their profile."""
    query = (
        select(
            AnswerText.submission_id,
            AnswerText.path,
            AnswerText.text,
            AnswerText.text_hash,
            AnswerText.public,
            AnswerText.age_band,
            AnswerText.channel,
            AnswerText.commune_code,
        )
        .where(*analysed_answers(questionnaire_id), AnswerText.question.in_(questions))
        .order_by(AnswerText.submission_id, AnswerText.position)
    )
    answers = []
    for (
        submission_id,
        path,
        text,
        digest,
        public,
        age_band,
        channel,
        commune,
    ) in db.session.execute(query):
        if not (text or "").strip():
            continue
        profile = {
            "public": public or "",
            "age_band": age_band or "",
            "channel": channel or "",
            "commune": commune or "",
        }
        answers.append(_Answer(submission_id, path, text, digest, profile))
    return answers


def fingerprint(answers: list[_Answer]) -> str:
    digest = hashlib.sha256()
    for answer in answers:
        digest.update(f"{answer.submission_id}\t{answer.path}\t{answer.hash}\n".encode())
    return digest.hexdigest()


def check_parameters(
    questions: list[str], known: list[str], classes, segment_size, double=False
) -> dict:
    """The parameters of a run from a form, or CodingError naming the field, in French."""
    if not questions:
        raise CodingError("Questions : choisissez au moins une question à réponse libre.")
    unknown = [name for name in questions if name not in known]
    if unknown:
        raise CodingError(f"Questions : « {unknown[0]} » n'est pas une question à réponse libre.")
    try:
        classes = int(classes)
    except (TypeError, ValueError):
        raise CodingError("Nombre de classes : un nombre entier est attendu.") from None
    if classes not in CLASS_CHOICES:
        raise CodingError(
            f"Nombre de classes : entre {CLASS_CHOICES.start} et {CLASS_CHOICES.stop - 1}."
        )
    try:
        segment_size = int(segment_size)
    except (TypeError, ValueError):
        raise CodingError("Taille des segments : un nombre entier est attendu.") from None
    if segment_size not in SEGMENT_SIZES:
        raise CodingError("Taille des segments : choisissez une des tailles proposées.")
    return {"classes": classes, "segment_size": segment_size, "double": bool(double)}


def start_classification(
    questionnaire_id: int, questions: list[str], parameters: dict, user_id: int | None
) -> Job:
    return start_job(
        CLASSIFY,
        {"questionnaire_id": questionnaire_id, "questions": questions, **parameters},
        user_id,
    )


@job_handler(CLASSIFY)
def classify_answers(job: Job, progress) -> dict:
    params = job.params

    def step(done: int, total: int) -> None:
        progress(done, total, f"Partition {done} sur {total}")

    progress(0, 1, "Lemmes des réponses…")
    run = classify_and_store(
        params["questionnaire_id"],
        list(params["questions"]),
        int(params["classes"]),
        segment_size=int(params.get("segment_size", 40)),
        double=bool(params.get("double")),
        progress=step,
        job_id=job.id,
        user_id=job.created_by_id,
    )
    return {
        "classification": run.id,
        "classes": len(run.result["classes"]),
        "answers": run.parameters["answers"],
    }


def classify_and_store(
    questionnaire_id: int,
    questions: list[str],
    classes: int,
    *,
    segment_size: int = 40,
    double: bool = False,
    progress=None,
    job_id: int | None = None,
    user_id: int | None = None,
) -> EmergentClassification:
    """Classifies the answers of `questions` and keeps the result; JobError (French) when the
    answers cannot give `classes` classes. `double`: the classes segments of `segment_size` words
    and units twice as long agree on (analyse.reinert.double_classify); it has no tree."""
    from analyse.reinert import ReinertError, classify, double_classify

    from .jobs import analysis_cache

    answers = read_answers(questionnaire_id, questions)
    if not answers:
        raise JobError("Aucune réponse libre à classer pour ces questions.")
    texts = [answer.text for answer in answers]
    profiles = [answer.profile for answer in answers]
    try:
        if double:
            result = double_classify(
                texts,
                classes,
                profiles=profiles,
                segment_size=segment_size,
                unit_size=2 * segment_size,
                cache=analysis_cache(),
            )
        else:
            result = classify(
                texts,
                classes,
                profiles=profiles,
                segment_size=segment_size,
                cache=analysis_cache(),
                progress=progress,
            )
    except ReinertError as error:
        message = str(error)
        raise JobError(message[:1].upper() + message[1:]) from None
    stored = _stored(result, answers)
    stored["clouds"] = _draw_clouds(stored, answers)
    run = EmergentClassification(
        questionnaire_id=questionnaire_id,
        questions=questions,
        parameters=result.parameters,
        fingerprint=fingerprint(answers),
        result=stored,
        job_id=job_id,
        created_by_id=user_id,
    )
    db.session.add(run)
    db.session.flush()
    return run


def clouds_folder() -> Path:
    return Path(current_app.instance_path) / "wordclouds" / "classes"


def _draw_clouds(stored: dict, answers: list[_Answer]) -> dict[str, str]:
    """Each class's cloud of characteristic words (sized by χ²), drawn once here, never in a
    request: {class number: file name of the SVG}. The words a pseudonymisation replaced in any of
    these answers are left out, so that the same picture may be shown to every reader."""
    from analyse.nlp import fold
    from analyse.wordclouds import wordcloud_files

    keys = {(a.submission_id, a.path) for a in answers}
    ids = sorted({a.submission_id for a in answers})
    found = []
    for start in range(0, len(ids), 500):
        found.extend(
            db.session.execute(
                select(
                    PseudonymisedAnswer.submission_id,
                    PseudonymisedAnswer.path,
                    PseudonymisedAnswer.spans,
                ).where(PseudonymisedAnswer.submission_id.in_(ids[start : start + 500]))
            )
        )
    hidden = _hidden_words(
        SimpleNamespace(pseudonymised=SimpleNamespace(spans=spans))
        for submission_id, path, spans in found
        if (submission_id, path) in keys
    )
    clouds = {}
    for item in stored["classes"]:
        frequencies = {
            lemma: chi2 for lemma, chi2, *_rest in item["terms"] if fold(lemma) not in hidden
        }
        try:
            _png, svg = wordcloud_files(frequencies, clouds_folder(), width=640, height=360)
        except ValueError:  # no word left: the list says so
            continue
        clouds[str(item["number"])] = svg.name
    return clouds


def cloud_file(run: EmergentClassification, number: int) -> Path | None:
    name = (run.result.get("clouds") or {}).get(str(number))
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = clouds_folder() / name
    return path if path.exists() else None


def _stored(result, answers: list[_Answer]) -> dict:
    """The classification without any answer text (see EmergentClassification)."""
    return {
        "answers": [[a.submission_id, a.path, a.hash] for a in answers],
        "segments": [
            [segment.answer, segment.start, segment.end, number]
            for segment, number in zip(result.segments, result.segment_classes)
        ],
        "answer_classes": result.answer_classes,
        "splits": [[s.parent, s.left, s.right, round(s.chi2, 2)] for s in result.splits],
        "leaves": {str(node): number for node, number in result.leaves.items()},
        "classes": [
            {
                "number": item.number,
                "size": item.size,
                "share": round(item.share, 4),
                "answers": item.answers,
                "terms": [
                    [term.lemma, term.chi2, term.p_value, term.in_class, term.total]
                    for term in item.terms
                    if term.sign > 0
                ][:TERMS_KEPT],
                "segments": item.segments,
                "modalities": [
                    [m.variable, m.value, m.chi2, m.p_value, m.in_class, m.total]
                    for m in item.modalities
                    if m.sign > 0 and m.p_value < 0.05
                ],
            }
            for item in result.classes
        ],
        "unclassified": result.unclassified,
    }


# --- reading a run ---------------------------------------------------------------------------


def runs_of(questionnaire_id: int, limit: int = 10) -> list[EmergentClassification]:
    return list(
        db.session.scalars(
            select(EmergentClassification)
            .where(EmergentClassification.questionnaire_id == questionnaire_id)
            .order_by(EmergentClassification.id.desc())
            .limit(limit)
        )
    )


def run_of(questionnaire_id: int, run_id: int) -> EmergentClassification | None:
    run = db.session.get(EmergentClassification, run_id)
    return run if run is not None and run.questionnaire_id == questionnaire_id else None


def is_current(run: EmergentClassification) -> bool:
    """The answers are those the run read, unchanged."""
    return fingerprint(read_answers(run.questionnaire_id, run.questions)) == run.fingerprint


def modality_label(variable: str, value: str, commune_names: dict[str, str]) -> str:
    labels = {"public": PUBLICS, "age_band": AGE_BANDS, "channel": CHANNELS}.get(variable, {})
    if variable == "commune":
        return commune_names.get(value, value)
    return labels.get(value, value)


def _hidden_words(rows) -> set[str]:
    """Folded words a pseudonymisation replaced in these answers (names, streets…): a reader who
    may not see the originals must not read them in a class's words either."""
    from analyse.nlp import fold

    hidden: set[str] = set()
    for row in rows:
        found = row.pseudonymised
        if found is None:
            continue
        for span in found.spans or []:
            hidden.update(fold(word) for word in re.findall(r"\w+", str(span.get("text", ""))))
    return hidden


@dataclass
class ShownSegment:
    text: str
    answer_id: int


@dataclass
class ShownClass:
    number: int
    size: int
    share: float
    answers: int
    terms: list  # (lemma, chi2, in_class, total)
    segments: list[ShownSegment]
    waiting: int  # typical segments not shown: pseudonymisation not validated yet
    modalities: list  # (variable label, value label, chi2, p_value, in_class, total)
    cloud: bool = False  # its word cloud may be shown to this reader


def shown_classes(run: EmergentClassification, originals: bool, commune_names: dict) -> list:
    """What the page shows of each class, for a reader who may (`originals`) or may not read the
    original answers."""
    from analyse.nlp import fold

    stored = run.result
    keys = [(submission_id, path) for submission_id, path, _hash in stored["answers"]]
    hashes = {(s, p): h for s, p, h in stored["answers"]}
    rows = {
        (row.submission.id, row.path): row
        for row in all_answer_rows(run.questionnaire_id, run.questions)
    }
    attach(list(rows.values()), codings=False, suggestions=False, memos=False)
    hidden = set() if originals else _hidden_words(rows.values())
    shown = []
    for item in stored["classes"]:
        segments, waiting = [], 0
        for index in item["segments"]:
            answer, start, end, _number = stored["segments"][index]
            key = keys[answer]
            row = rows.get(key)
            if row is None or row.hash != hashes[key]:
                continue  # erased or edited since the run: offsets no longer point at it
            visible = visible_span(row, start, end, originals)
            if visible is None:
                waiting += 1
                continue
            text, span_start, span_end = visible
            segments.append(ShownSegment(text[span_start:span_end], row.submission.id))
            if len(segments) >= SEGMENTS_SHOWN:
                break
        terms = [
            (lemma, chi2, in_class, total)
            for lemma, chi2, _p, in_class, total in item["terms"]
            if fold(lemma) not in hidden
        ]
        shown.append(
            ShownClass(
                number=item["number"],
                size=item["size"],
                share=item["share"],
                answers=item["answers"],
                # A word pseudonymised since the cloud was drawn: the picture is not shown.
                cloud=cloud_file(run, item["number"]) is not None
                and len(terms) == len(item["terms"]),
                terms=terms,
                segments=segments,
                waiting=waiting,
                modalities=[
                    (
                        PROFILE_VARIABLES.get(variable, variable),
                        modality_label(variable, value, commune_names),
                        chi2,
                        p_value,
                        in_class,
                        total,
                    )
                    for variable, value, chi2, p_value, in_class, total in item["modalities"]
                ],
            )
        )
    return shown


# --- a class becomes a code ------------------------------------------------------------------


def create_code_from_class(
    codebook: Codebook, run: EmergentClassification, number: int
) -> tuple[object, int]:
    """A new code named after the class's first words, its words as keywords, and one pending
    suggestion (source « classes ») per answer with a segment in the class, with those segments as
    evidence spans; answers edited since the run are left out. Returns (code, suggestions)."""
    stored = run.result
    item = next((c for c in stored["classes"] if c["number"] == number), None)
    if item is None:
        raise CodingError("Classe inconnue dans cette classification : rechargez la page.", 404)
    words = [lemma for lemma, *_rest in item["terms"]]
    name = f"Classe {number} : {', '.join(words[:3])}" if words else f"Classe {number}"
    code = create_code(
        codebook,
        name,
        description=(
            f"Créé à partir de la classe {number} de la classification n° {run.id} "
            f"({item['size']} segments, mots : {', '.join(words[:10])})."
        ),
        keywords=words[:8],
    )
    spans: dict[int, list[list[int]]] = {}
    for answer, start, end, segment_class in stored["segments"]:
        if segment_class == number:
            spans.setdefault(answer, []).append([start, end])
    current = {
        (row.submission_id, row.path): row.text_hash
        for row in db.session.execute(
            select(AnswerText.submission_id, AnswerText.path, AnswerText.text_hash).where(
                *analysed_answers(run.questionnaire_id)
            )
        )
    }
    created = 0
    for answer, answer_spans in sorted(spans.items()):
        submission_id, path, digest = stored["answers"][answer]
        if current.get((submission_id, path)) != digest:
            continue
        db.session.add(
            Suggestion(
                submission_id=submission_id,
                path=path,
                code_id=code.id,
                score=SUGGESTION_SCORE,
                spans=answer_spans,
                source="classes",
                text_hash=digest,
                status="pending",
            )
        )
        created += 1
    db.session.flush()
    record(
        "code",
        code.id,
        "suggest_from_classes",
        after={"classification": run.id, "class": number, "suggestions": created},
    )
    return code, created


# --- exports ---------------------------------------------------------------------------------


def iramuteq_corpus(questionnaire_id: int, questions: list[str], variables: list[str]) -> bytes:
    """The original answers as an IRaMuTeQ corpus (coders only: see the view)."""
    from analyse.iramuteq import CorpusAnswer, corpus_bytes

    answers = read_answers(questionnaire_id, questions)
    return corpus_bytes(
        [CorpusAnswer(answer.text, answer.profile) for answer in answers],
        [variable for variable in PROFILE_VARIABLES if variable in variables],
    )


def class_table(run: EmergentClassification) -> list[dict]:
    """One row per segment: answer (submission n°), question path, segment n°, class, text; rows
    of answers erased or edited since the run are left out."""
    stored = run.result
    rows = {
        (row.submission_id, row.path): (row.text, row.text_hash)
        for row in db.session.execute(
            select(
                AnswerText.submission_id, AnswerText.path, AnswerText.text, AnswerText.text_hash
            ).where(*analysed_answers(run.questionnaire_id))
        )
    }
    table, numbers = [], {}
    for answer, start, end, number in stored["segments"]:
        submission_id, path, digest = stored["answers"][answer]
        numbers[answer] = numbers.get(answer, 0) + 1
        text, current = rows.get((submission_id, path), (None, None))
        if current != digest:
            continue
        table.append(
            {
                "reponse": submission_id,
                "question": path,
                "segment": numbers[answer],
                "classe": "" if number is None else number,
                "texte": text[start:end],
            }
        )
    return table
