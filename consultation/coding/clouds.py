"""Word clouds drawn by a job of their own, never inside a page request.

The job draws, for coders and for readers, the cloud of each public and of each code someone
asked for, and records where the files are in its result with a fingerprint of what it read
(answers, codings, validations). A page shows the last clouds drawn; when the data changed since,
it starts a new drawing and says so while it runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from ..extensions import db
from ..jobs.models import Job
from ..jobs.queue import job_handler, start_job
from ..submissions.answer_table import AnswerText
from ..submissions.models import PUBLICS
from . import figures
from .models import Code, Codebook, Coding, PseudonymisedAnswer
from .services import active_codes, all_answer_rows, attach, codebook_of

CLOUDS = "coding.clouds"
AUDIENCES = {"coders": True, "readers": False}  # audience -> reads the original answers


def cloud_key(audience: str, kind: str, key: str) -> str:
    return f"{audience}/{kind}/{key}"


def fingerprint(codebook: Codebook) -> str:
    """What the clouds depend on, in a few indexed aggregates: a change to answers, codings or
    pseudonymised texts changes it."""
    answers = db.session.execute(
        select(func.count(AnswerText.id), func.max(AnswerText.id)).where(
            AnswerText.questionnaire_id == codebook.questionnaire_id
        )
    ).one()
    codings = db.session.execute(
        select(func.count(Coding.id), func.max(Coding.id))
        .join(Code, Coding.code_id == Code.id)
        .where(Code.codebook_id == codebook.id)
    ).one()
    pseudonymised = db.session.execute(
        select(
            func.count(PseudonymisedAnswer.id),
            func.count(PseudonymisedAnswer.validated_at),
            func.max(PseudonymisedAnswer.validated_at),
            func.max(PseudonymisedAnswer.id),
        )
        .join(
            AnswerText,
            (AnswerText.submission_id == PseudonymisedAnswer.submission_id)
            & (AnswerText.path == PseudonymisedAnswer.path),
        )
        .where(AnswerText.questionnaire_id == codebook.questionnaire_id)
    ).one()
    return "|".join(str(value) for value in (*answers, *codings, *pseudonymised))


def _current_fingerprint(codebook: Codebook) -> str:
    """`fingerprint` as the results page asks for it on every visit: kept with the page's figures
    (coding/figures.py), whose own fingerprint covers everything this one reads."""
    return figures.cached(codebook, "clouds", (), lambda: fingerprint(codebook))


def _cloud_jobs(questionnaire_id: int, statuses: tuple[str, ...]):
    for job in db.session.scalars(
        select(Job)
        .where(Job.kind == CLOUDS, Job.status.in_(statuses))
        .order_by(Job.id.desc())
        .limit(20)
    ):
        if job.params.get("questionnaire_id") == questionnaire_id:
            yield job


def cloud_state(
    codebook: Codebook, *, refresh: bool = True, code: str = ""
) -> tuple[dict, Job | None]:
    """({"clouds": {key: {"png", "svg"} or {}}, "drawing": bool}, job to enqueue): the last clouds
    drawn, and a new drawing recorded when none is running and the data changed since the last
    one, or when the cloud of `code` (a code key) was never asked for. The caller commits,
    enqueues the job, and may read the state again."""
    questionnaire_id = codebook.questionnaire_id
    done = next(_cloud_jobs(questionnaire_id, ("done",)), None)
    running = next(_cloud_jobs(questionnaire_id, ("queued", "running")), None)
    result = (done.result or {}) if done is not None else {}
    codes = set(result.get("codes", []))
    started = None
    if (
        refresh
        and running is None
        and (
            done is None
            or (code and code not in codes)
            or result.get("fingerprint") != _current_fingerprint(codebook)
        )
    ):
        codes |= {code} if code else set()
        started = running = start_job(
            CLOUDS, {"questionnaire_id": questionnaire_id, "codes": sorted(codes)}
        )
    return {"clouds": dict(result.get("clouds", {})), "drawing": running is not None}, started


@job_handler(CLOUDS)
def draw_clouds(job: Job, progress) -> dict:
    from .results import cloud_files, cloud_frequencies

    questionnaire_id = job.params["questionnaire_id"]
    codebook = codebook_of(questionnaire_id)
    if codebook is None:
        raise ValueError("ce questionnaire n'a pas de livre de codes")
    stamp = fingerprint(codebook)
    rows = all_answer_rows(questionnaire_id)
    attach(rows, suggestions=False, memos=False)
    # The publics' clouds always, a code's once someone asked for it (there may be a hundred codes).
    asked = set(job.params.get("codes", []))
    codes = [code.key for code in active_codes(codebook) if code.key in asked]
    wanted = [("public", key) for key in PUBLICS] + [("code", key) for key in codes]
    clouds: dict[str, dict] = {}
    total = len(wanted) * len(AUDIENCES)
    done = 0
    for audience, originals in AUDIENCES.items():
        for kind, key in wanted:
            frequencies = cloud_frequencies(codebook, rows, kind, key, originals)
            try:
                png, svg = cloud_files(frequencies)
            except ValueError:
                clouds[cloud_key(audience, kind, key)] = {}  # too few words for a cloud
            else:
                clouds[cloud_key(audience, kind, key)] = {"png": str(png), "svg": str(svg)}
            done += 1
            if done % 10 == 0:
                progress(done, total, f"{done} nuage(s) dessiné(s) sur {total}")
    return {"fingerprint": stamp, "codes": codes, "clouds": clouds}


def cloud_path(state: dict, audience: str, kind: str, key: str, fmt: str) -> Path | None:
    files = state["clouds"].get(cloud_key(audience, kind, key)) or {}
    path = files.get(fmt)
    return Path(path) if path and Path(path).exists() else None
