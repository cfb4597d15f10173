"""What residents, designers and coders type is shown as text, never run as markup: a study whose
every text holds hostile HTML, opened on every page that shows it. Also the security headers."""

import re
from pathlib import Path

import pytest
from flask import url_for
from security_records import HOSTILE, role_clients, session_client, study

from consultation.coding.models import PseudonymisedAnswer

pytestmark = pytest.mark.storage

MARK = HOSTILE[1] + HOSTILE[0] + " "
# How the payload may legitimately appear: escaped by Jinja, or as JSON inside a data block.
ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
)
STATIC_JS = Path(__file__).resolve().parent.parent / "consultation" / "static" / "js"


@pytest.fixture()
def hostile(app, db):
    records = study(db, mark=MARK)
    # A pseudonymised answer waiting for validation, for the pseudonymisation page.
    db.session.add(
        PseudonymisedAnswer(
            submission_id=records["submission"].id,
            path="besoins",
            text_hash="0" * 64,
            text=records["besoins"],
            spans=[],
        )
    )
    db.session.commit()
    records["clients"] = role_clients(app, db, mark=MARK)
    records["coder"] = session_client(app, records["charge"])
    return records


def _assert_escaped(html: str, where: str) -> None:
    for payload in HOSTILE:
        assert payload not in html, f"{where}: raw {payload!r} in the page"
    assert not re.search(r"<img\b[^>]*\bonerror", html) and "<script>alert" not in html, where
    assert any(escaped in html for escaped in ESCAPED), (
        f"{where}: the hostile text is not shown at all"
    )


def _pages(records) -> list[str]:
    questionnaire_id = records["questionnaire"].id
    submission_id = records["submission"].id
    code_id = records["code"].id
    return [
        url_for("designer.index"),
        url_for("designer.editor", questionnaire_id=questionnaire_id),
        url_for("designer.preview", questionnaire_id=questionnaire_id, version=1),
        url_for("designer.preview", questionnaire_id=questionnaire_id, version=1, mode="pages"),
        url_for("designer.settings", questionnaire_id=questionnaire_id),
        url_for("designer.edit_question", questionnaire_id=questionnaire_id, name="logement"),
        url_for("designer.edit_group", questionnaire_id=questionnaire_id, name="menage"),
        url_for("designer.choice_lists", questionnaire_id=questionnaire_id),
        url_for("designer.choice_list", questionnaire_id=questionnaire_id, list_name="logement"),
        url_for(
            "designer.edit_choice",
            questionnaire_id=questionnaire_id,
            list_name="logement",
            choice_name="locataire",
        ),
        url_for("designer.versions", questionnaire_id=questionnaire_id),
        url_for("designer.delete", questionnaire_id=questionnaire_id, name="age"),
        url_for("designer.move", questionnaire_id=questionnaire_id, name="age"),
        url_for("review.index"),
        url_for("review.submissions", questionnaire_id=questionnaire_id),
        url_for("review.submission", submission_id=submission_id),
        url_for("review.edit", submission_id=submission_id),
        url_for("review.paper", questionnaire_id=questionnaire_id),
        url_for("review.export", questionnaire_id=questionnaire_id),
        url_for("review.devices"),
        url_for("interviews.assignments"),
        url_for("coding.index"),
        url_for("coding.codebook", questionnaire_id=questionnaire_id),
        url_for("coding.code", questionnaire_id=questionnaire_id, code_id=code_id),
        url_for("coding.workspace", questionnaire_id=questionnaire_id, question="besoins"),
        url_for("coding.results_page", questionnaire_id=questionnaire_id),
        url_for("coding.verbatims", questionnaire_id=questionnaire_id, code_id=code_id),
        url_for("coding.agreement", questionnaire_id=questionnaire_id),
        url_for("coding.pseudonymisation", questionnaire_id=questionnaire_id),
        url_for("coding.export", questionnaire_id=questionnaire_id),
        url_for("main.home"),
        url_for("restitution.restitution", slug="etude-test"),
    ]


def test_hostile_text_is_escaped_on_every_page_of_a_coder(hostile):
    coder = hostile["coder"]
    for url in _pages(hostile):
        response = coder.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        _assert_escaped(response.get_data(as_text=True), url)


def test_hostile_names_are_escaped_on_the_admin_pages(hostile):
    admin = hostile["clients"]["admin"]
    for url in (
        "/compte/utilisateurs",
        "/etudes/etude-test/entretiens/affectations",
        "/etudes/etude-test/reponses/appareils",
    ):
        _assert_escaped(admin.get(url).get_data(as_text=True), url)


def test_hostile_text_is_escaped_for_the_collectif(hostile):
    collectif = hostile["clients"]["collectif"]
    questionnaire_id = hostile["questionnaire"].id
    for url in (
        url_for("coding.index"),
        url_for("coding.results_page", questionnaire_id=questionnaire_id),
        url_for("coding.verbatims", questionnaire_id=questionnaire_id, code_id=hostile["code"].id),
    ):
        response = collectif.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.get_data(as_text=True), url)


def test_the_tablet_pages_escape_names_and_titles(hostile):
    enqueteur = session_client(hostile["coder"].application, hostile["enqueteur"])
    _assert_escaped(
        enqueteur.get("/etudes/etude-test/entretiens/").get_data(as_text=True),
        "/etudes/etude-test/entretiens/",
    )
    # JSON data, never sniffed as HTML: the tablet puts it in the page with textContent.
    bootstrap = enqueteur.get("/etudes/etude-test/entretiens/bootstrap.json")
    assert (
        bootstrap.mimetype == "application/json"
        and bootstrap.headers["X-Content-Type-Options"] == "nosniff"
    )


def test_rows_sent_back_to_the_workspace_are_escaped(hostile):
    coder = hostile["coder"]
    questionnaire_id = hostile["questionnaire"].id
    other = next(code for code in hostile["codebook"].codes if code.id != hostile["code"].id)
    response = coder.post(
        url_for("coding.api_add_coding", questionnaire_id=questionnaire_id),
        json={
            "submission_id": hostile["submission"].id,
            "path": "besoins",
            "start": 0,
            "end": 10,
            "code_id": other.id,
        },
    )
    assert response.status_code == 201, response.get_json()
    _assert_escaped(response.get_json()["row_html"], "row_html")
    created = coder.post(
        url_for("coding.api_add_coding", questionnaire_id=questionnaire_id),
        json={
            "submission_id": hostile["submission"].id,
            "path": "besoins",
            "start": 0,
            "end": 10,
            "new_code": HOSTILE[0],
        },
    )
    assert created.status_code == 201
    assert HOSTILE[0] not in created.get_json()["row_html"]


def test_hostile_memo_and_code_typed_in_forms_are_escaped(hostile):
    coder = hostile["coder"]
    questionnaire_id = hostile["questionnaire"].id
    memo = coder.post(
        url_for("coding.api_memo", questionnaire_id=questionnaire_id),
        json={"code_id": hostile["code"].id, "text": HOSTILE[1]},
    )
    assert memo.status_code == 200
    page = coder.get(
        url_for("coding.code", questionnaire_id=questionnaire_id, code_id=hostile["code"].id)
    )
    _assert_escaped(page.get_data(as_text=True), "code page after a memo")
    verbatims = coder.get(
        url_for("coding.verbatims", questionnaire_id=questionnaire_id, code_id=hostile["code"].id)
    )
    assert HOSTILE[1] not in verbatims.get_data(as_text=True)


def test_the_word_cloud_svg_is_inert(hostile):
    url = url_for(
        "coding.cloud",
        questionnaire_id=hostile["questionnaire"].id,
        kind="public",
        key="jeune",
        fmt="svg",
    )
    response = hostile["coder"].get(url)
    if response.status_code == 202:  # drawing started: the job runs once the request has committed
        response = hostile["coder"].get(url)
    if response.status_code == 200:
        body = response.get_data(as_text=True)
        assert "<script" not in body and not re.search(r"\son[a-z]+=", body)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    else:
        assert response.status_code == 404


def test_page_scripts_never_put_data_in_html():
    """DOM built from data uses textContent and createElement; the only innerHTML takes the
    server's rendered (escaped) row of the coding workspace."""
    offenders = []
    for path in sorted(STATIC_JS.rglob("*.js")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b(outerHTML|insertAdjacentHTML|document\.write)\b", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
            elif re.search(r"\binnerHTML\s*=", line) and not re.search(
                r'innerHTML\s*=\s*""|innerHTML = html\.trim\(\)', line
            ):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
            elif re.search(r"\b(eval|Function)\s*\(", line) and "new Function" in line:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


# ---- security headers -------------------------------------------------------------------------------
def test_every_page_carries_the_security_headers(client, hostile):
    coder = hostile["coder"]
    for response in (
        client.get("/compte/connexion"),
        coder.get("/etudes/etude-test/questionnaires/"),
        coder.get("/api/v1/questionnaires"),
        client.get("/api/v1/questionnaires"),
        coder.get("/page-qui-n-existe-pas"),
        client.get("/static/css/app.css"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        script_src = re.search(r"script-src ([^;]+)", policy).group(1).split()
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert [source for source in script_src if not source.startswith("'nonce-")] == ["'self'"]


def test_inline_scripts_of_the_tablet_carry_this_response_nonce(hostile):
    enqueteur = session_client(hostile["coder"].application, hostile["enqueteur"])
    for url in ("/etudes/etude-test/entretiens/", "/etudes/etude-test/entretiens/app"):
        response = enqueteur.get(url)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        html = response.get_data(as_text=True)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        executable = [
            attributes for attributes in inline if 'type="application/json"' not in attributes
        ]
        assert any('type="importmap"' in attributes for attributes in executable), url
        assert executable and all(f'nonce="{nonce}"' in attributes for attributes in executable), (
            url,
            executable,
        )
    second = enqueteur.get("/etudes/etude-test/entretiens/app").headers["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" not in second  # a fresh nonce per response


def test_no_page_has_an_inline_script_without_a_nonce(hostile):
    coder = hostile["coder"]
    for url in _pages(hostile):
        html = coder.get(url).get_data(as_text=True)
        for attributes in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html):
            assert 'type="application/json"' in attributes or "nonce=" in attributes, (
                url,
                attributes,
            )
        assert not re.search(r"\son[a-z]+=\"", html), (
            f"{url}: an inline event handler, blocked by the policy"
        )
        assert "javascript:" not in html, url


def test_the_word_cloud_keeps_its_stricter_policy(hostile):
    response = hostile["coder"].get(
        url_for(
            "coding.cloud",
            questionnaire_id=hostile["questionnaire"].id,
            kind="public",
            key="jeune",
            fmt="png",
        )
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
