"""« Chiffres de l'enquête »: the closed questions of a questionnaire tabulated by analyse, read
from the submissions' JSON answers in one query, labelled from the published version's model.

Rejected submissions are left out, as everywhere in the analysis. The query goes through the ORM
on Submission, so the study scope applies by itself. Readers who may not see small counts (the
collectif, the lecteurs) get the cells under SMALL_CELL_MINIMUM as « < N »; the chargés d'étude
and administrators see every count."""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd
from sqlalchemy import Text, case, cast, func, select, type_coerce

from analyse.nlp import collector_paused
from analyse.tabulations import (
    CATEGORICAL,
    MULTIPLE,
    NUMERIC,
    OVERALL,
    SCALE,
    ClosedQuestion,
    small_bases,
    small_cells,
    tabulate_all,
)
from questionnaires import Group, label_in
from questionnaires import Questionnaire as QuestionnaireModel

from ..extensions import db
from ..questionnaire_store.models import Questionnaire, QuestionnaireVersion
from ..submissions.models import AGE_BANDS, PUBLICS, SEXES, Submission
from ..territory.models import Commune

# URL key -> (profile column, French label)
GROUPINGS = {
    "public": ("public", "Public"),
    "age": ("age_band", "Tranche d'âge"),
    "sexe": ("sex", "Sexe"),
    "commune": ("commune_code", "Commune"),
}
_KINDS = {
    "select_one": CATEGORICAL,
    "select_multiple": MULTIPLE,
    "rating": SCALE,
    "integer": NUMERIC,
    "decimal": NUMERIC,
}
PROFILE = ("public", "age_band", "sex", "commune_code")


@dataclass
class Cell:
    count: int
    percent: float
    low: float
    high: float
    masked: bool


@dataclass
class QuestionFigures:
    name: str
    label: str
    kind: str
    columns: list[tuple[str, str]]  # (key, label)
    bases: dict[str, int]
    rows: list[tuple[str, list[Cell]]]  # (label, cells in column order)
    means: list[tuple[float, float, float, int, bool]] | None = None  # per column, masked last
    masked_bases: set[str] = field(default_factory=set)


def reference_model(questionnaire: Questionnaire) -> QuestionnaireModel | None:
    version = questionnaire.current_published or questionnaire.latest
    return version.model() if version is not None else None


def closed_questions(model: QuestionnaireModel) -> list[tuple[ClosedQuestion, object]]:
    """(what analyse needs, the model's question) for each closed question outside repeats, in
    the questionnaire's order."""
    found = []
    for question in _top_questions(model.children):
        kind = _KINDS.get(question.type)
        if kind is None:
            continue
        if kind in (CATEGORICAL, MULTIPLE):
            choice_list = model.choice_lists.get(question.choice_list)
            choices = tuple(choice_list.names()) if choice_list else ()
        elif kind == SCALE:
            choices = tuple(
                str(value) for value in range(question.start, question.end + 1, question.step or 1)
            )
        else:
            choices = ()
        found.append((ClosedQuestion(question.name, kind, choices), question))
    return found


def _top_questions(nodes):
    for node in nodes:
        if isinstance(node, Group):
            if not node.repeat:  # a repeat's answers are lists of instances: not tabulated here
                yield from _top_questions(node.children)
        else:
            yield node


# The frames last read, by questionnaire, questions and the state of its submissions: the chiffres
# page crossed by public, then by age, then by commune, and the theme pages, read the answers once.
_FRAMES: OrderedDict = OrderedDict()
_FRAMES_KEPT = 2
_FRAMES_LOCK = threading.Lock()
_FRAME_ROWS_KEPT = 250_000  # beyond, the memory it holds is more than the decoding it saves


def _answers_filter(questionnaire_id: int):
    return (
        QuestionnaireVersion.questionnaire_id == questionnaire_id,
        Submission.state != "rejetee",
    )


def _state_of(questionnaire_id: int) -> tuple:
    """What changes whenever the frame would: a submission received, erased or purged (count,
    highest id) or edited, rejected or restored (its `updated_at`, set by every ORM change and
    by the sync's insert; no code path updates submissions in bulk)."""
    return tuple(
        db.session.execute(
            select(
                func.count(Submission.id), func.max(Submission.id), func.max(Submission.updated_at)
            )
            .join(
                QuestionnaireVersion, Submission.questionnaire_version_id == QuestionnaireVersion.id
            )
            .where(*_answers_filter(questionnaire_id))
        ).one()
    )


def answers_frame(questionnaire_id: int, names: list[str]) -> pd.DataFrame:
    """One row per submission not rejected: the profile columns, then one column per question.
    Kept while the questionnaire's submissions do not change (`_state_of`): the caller gets its
    own copy (copy-on-write), so adding columns to it changes nothing for the next."""
    key = (id(db.engine), questionnaire_id, tuple(names), _state_of(questionnaire_id))
    with _FRAMES_LOCK:
        kept = _FRAMES.get(key)
        if kept is not None:
            _FRAMES.move_to_end(key)
            return kept.copy(deep=False)
    frame = _read_answers_frame(questionnaire_id, names)
    if len(frame) <= _FRAME_ROWS_KEPT:
        with _FRAMES_LOCK:
            _FRAMES[key] = frame
            while len(_FRAMES) > _FRAMES_KEPT:
                _FRAMES.popitem(last=False)
    return frame.copy(deep=False)


def _read_answers_frame(questionnaire_id: int, names: list[str]) -> pd.DataFrame:
    if _extracts_in_sql(names):
        return _read_answer_columns(questionnaire_id, names)
    return _read_answer_documents(questionnaire_id, names)


def _rows(questionnaire_id: int, *columns):
    return (
        select(*columns)
        .join(QuestionnaireVersion, Submission.questionnaire_version_id == QuestionnaireVersion.id)
        .where(*_answers_filter(questionnaire_id))
    )


def _extracts_in_sql(names: list[str]) -> bool:
    """SQLite reads the questions' answers out of the documents itself (its `->` operator, from
    3.38), as long as each name can be written in a JSON path."""
    dialect = db.session.get_bind().dialect
    return (
        dialect.name == "sqlite"
        and dialect.dbapi.sqlite_version_info >= (3, 38, 0)
        and not any('"' in name for name in names)
    )


def _read_answer_columns(questionnaire_id: int, names: list[str]) -> pd.DataFrame:
    """SQLite: one row holding, per profile column and per question, the values of every
    submission as one JSON array (json_group_array), decoded by orjson in one call each. Only the
    questions asked are read out of the documents, in C, and no Python object is made per
    submission: each column's answers are built together, which also keeps the tabulation that
    follows fast. A document that is not valid JSON (NaN, written by an older client) is left to
    Python, as `_decoded` reads it."""
    document = type_coerce(Submission.answers, Text)
    valid = func.json_valid(document)

    def array(value):
        return func.json_group_array(value, type_=Text)

    row = db.session.execute(
        _rows(
            questionnaire_id,
            *(array(getattr(Submission, name)) for name in PROFILE),
            *(
                array(case((valid, document.op("->", return_type=Text)(f'$."{name}"'))))
                for name in names
            ),
            array(case((valid, None), else_=document)),
        )
    ).one()
    with collector_paused():
        profile = {name: _decoded_array(text) for name, text in zip(PROFILE, row)}
        columns = {name: _decoded_array(text) for name, text in zip(names, row[len(PROFILE) :])}
        unread = _decoded_array(row[-1])
        for position in [position for position, text in enumerate(unread) if text is not None]:
            answers = _decoded(unread[position])
            for name in names:
                columns[name][position] = answers.get(name)
        return pd.concat(
            [
                pd.DataFrame(profile, columns=list(PROFILE)),
                pd.DataFrame(columns, columns=names),
            ],
            axis=1,
        )


def _decoded_array(text) -> list:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _read_answer_documents(questionnaire_id: int, names: list[str]) -> pd.DataFrame:
    """PostgreSQL (whose JSON functions are slower than orjson) and older SQLite: the answers are
    read as JSON text and decoded with orjson, several times faster than letting the driver build
    each document. The rows come as plain tuples (the ORM's rows cost more than the query), and
    Python's cyclic collector is paused meanwhile: the millions of small dicts, lists and texts
    hold no cycles, and each of its passes would walk all those already made (it took more time
    than the decoding itself)."""
    with collector_paused():
        rows = (
            db.session.execute(
                _rows(
                    questionnaire_id,
                    *(getattr(Submission, name) for name in PROFILE),
                    cast(Submission.answers, Text),
                )
            )
            .tuples()
            .all()
        )
        profile = pd.DataFrame([row[:4] for row in rows], columns=list(PROFILE))
        documents = [_decoded(row[4]) for row in rows]
        # pandas builds the columns from the dicts in C: no Python loop per answer.
        answers = pd.DataFrame.from_records(documents, columns=names)
        return pd.concat([profile, _shared_values(answers.reindex(columns=names))], axis=1)


def _shared_values(answers: pd.DataFrame) -> pd.DataFrame:
    """The same answers, each distinct text held once: decoding made a new text object per
    answer, scattered among the documents' other objects, and every view of the frame went
    through them all (tabulation took twice as long as on a frame of the same answers built
    column by column). Texts in pandas' text columns are numbered in C and taken back from the
    distinct ones; lists of choices (select_multiple) are rebuilt, which also lays them out
    column by column. Equal values stay equal, of the same type: only the objects change."""
    seen: dict[str, str] = {}
    share = seen.setdefault
    columns = {}
    for name, column in answers.items():
        if column.dtype == "str":
            codes, uniques = pd.factorize(column)
            columns[name] = pd.Series(uniques.take(codes, allow_fill=True), index=column.index)
        elif column.dtype == object:
            columns[name] = pd.Series(
                [
                    [share(item, item) if type(item) is str else item for item in value]
                    if type(value) is list
                    else share(value, value)
                    if type(value) is str
                    else value
                    for value in column.to_numpy()
                ],
                index=column.index,
                dtype=object,
            )
        else:
            columns[name] = column
    return pd.DataFrame(columns, index=answers.index, columns=answers.columns)


def _decoded(text) -> dict:
    if not text:
        return {}
    try:
        answers = orjson.loads(text)
    except orjson.JSONDecodeError:
        answers = json.loads(text)
    return answers if isinstance(answers, dict) else {}


def group_labels(grouping: str, keys) -> dict[str, str]:
    column = GROUPINGS[grouping][0]
    if column == "public":
        labels = dict(PUBLICS)
    elif column == "age_band":
        labels = dict(AGE_BANDS)
    elif column == "sex":
        labels = dict(SEXES)
    else:
        codes = [key for key in keys if key]
        labels = dict(
            db.session.execute(
                select(Commune.insee_code, Commune.name).where(Commune.insee_code.in_(codes))
            ).all()
        )
    return {key: labels.get(key) or (key if key else "Non renseigné") for key in keys}


def survey_figures(
    questionnaire: Questionnaire,
    grouping: str,
    *,
    masked: bool,
    minimum: int,
    only: list[str] | None = None,
    where: dict[str, str] | None = None,
) -> tuple[list[QuestionFigures], int]:
    """Each closed question's figures by `grouping` (a key of GROUPINGS), and the number of
    respondents; with `masked`, counts from 1 to minimum − 1 are hidden (see small_cells).
    `only` keeps these questions, in its order; `where` keeps the respondents whose profile
    columns (PROFILE) hold the given values."""
    model = reference_model(questionnaire)
    if model is None:
        return [], 0
    questions = closed_questions(model)
    if only is not None:
        by_name = {closed.name: (closed, question) for closed, question in questions}
        questions = [by_name[name] for name in only if name in by_name]
    frame = answers_frame(questionnaire.id, [closed.name for closed, _ in questions])
    for column, value in (where or {}).items():
        frame = frame[frame[column] == value].reset_index(drop=True)
    column = GROUPINGS[grouping][0]
    labels = group_labels(grouping, frame[column].fillna("").unique())
    tables = tabulate_all(frame, [closed for closed, _ in questions], by=column)
    return [
        _figures(table, question, model, labels, masked, minimum)
        for table, (_, question) in zip(tables, questions)
    ], len(frame)


def _figures(table, question, model, group_labels_, masked: bool, minimum: int) -> QuestionFigures:
    hidden = small_cells(table, minimum) if masked else None
    hidden_bases = small_bases(table, minimum) if masked else None
    choice_list = model.choice_lists.get(question.choice_list)
    choice_labels = (
        {choice.name: label_in(choice.label, "fr") or choice.name for choice in choice_list.choices}
        if choice_list
        else {}
    )
    columns = [(key, "Ensemble" if key == OVERALL else group_labels_[key]) for key in table.columns]
    # Whole arrays, read by position: .at per cell costs more than the tabulation itself.
    counts, percent = table.counts.to_numpy(), table.percent.to_numpy()
    low, high = table.low.to_numpy(), table.high.to_numpy()
    hidden_cells = hidden.to_numpy() if hidden is not None else np.zeros(counts.shape, bool)
    rows = [
        (
            choice_labels.get(row, row),
            [
                Cell(
                    int(counts[i, j]),
                    float(percent[i, j]),
                    float(low[i, j]),
                    float(high[i, j]),
                    bool(hidden_cells[i, j]),
                )
                for j in range(len(table.columns))
            ],
        )
        for i, row in enumerate(table.rows)
    ]
    means = None
    if table.means is not None:
        means = [
            (
                *(float(value) for value in table.means.loc[key, ["mean", "low", "high"]]),
                int(table.means.at[key, "n"]),
                bool(hidden_bases[key]) if hidden_bases is not None else False,
            )
            for key in table.columns
        ]
    return QuestionFigures(
        question.name,
        label_in(question.label, "fr") or question.name,
        table.kind,
        columns,
        {key: int(table.bases[key]) for key in table.columns},
        rows,
        means,
        {key for key in table.columns if hidden_bases is not None and hidden_bases[key]},
    )


# --- exports ------------------------------------------------------------------------------------

EXPORT_HEADERS = [
    "Question",
    "Libellé de la question",
    "Réponse",
    "Groupe",
    "Mesure",
    "Effectif",
    "Base",
    "Valeur",
    "IC 95 % bas",
    "IC 95 % haut",
]


def export_rows(figures: list[QuestionFigures], minimum: int) -> list[list]:
    """One line per (question, answer, group): the count, the base, the percentage and its
    interval; for scales and numbers, a line « Moyenne » per group. A masked cell reads « < N »."""
    lines = []
    for question in figures:
        for answer, cells in question.rows:
            for (key, group), cell in zip(question.columns, cells):
                base = question.bases[key]
                if cell.masked:
                    lines.append(
                        [question.name, question.label, answer, group, "pourcentage"]
                        + [f"< {minimum}", base, None, None, None]
                    )
                else:
                    lines.append(
                        [question.name, question.label, answer, group, "pourcentage"]
                        + [cell.count, base]
                        + [_rounded(cell.percent), _rounded(cell.low), _rounded(cell.high)]
                    )
        for (_, group), mean in zip(question.columns, question.means or []):
            value, low, high, n, hidden = mean
            lines.append(
                [question.name, question.label, "Moyenne", group, "moyenne"]
                + (
                    [f"< {minimum}", None, None, None, None]
                    if hidden
                    else [n, n, _rounded(value, 2), _rounded(low, 2), _rounded(high, 2)]
                )
            )
    return lines


def _rounded(value: float, digits: int = 1):
    return None if value is None or math.isnan(value) else round(value, digits)
