"""Never a 500: bad input of every kind, sent to every page, form and JSON endpoint, gets a 4xx (or a
form shown again) with a French message. Also the login redirect, the cookies, and password hashes."""

import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
from flask import url_for
from french import is_french, message_of
from security_records import role_clients, session_client, study
from sqlalchemy import func, select
from test_security_roles import ACCESS, _url

from consultation.accounts.models import User

pytestmark = pytest.mark.storage

HUGE_TEXT = "é" * 200_000
BAD_IDS = ("0", "-1", "99999999", str(2**63), str(10**30))
BAD_QUERY = {
    "page": "-3",
    "version": str(10**30),
    "par": "\x00",
    "q": HUGE_TEXT[:5000],
    "a": "x",
    "b": str(2**64),
    "score": "abc",
    "code": "9" * 40,
    "public": "<b>",
    "commune": "'; DROP TABLE x;--",
    "langue": "zz",
    "mode": "pages",
    "enumerator": "NaN",
    "state": "inconnu",
    "question": "\ufeff",
    "lemme": "a" * 500,
    "vue": "valides",
    "originaux": "1",
    "double": "2",
    "nuage_code": "-1",
}
JSON_BODIES = [
    {},
    [],
    "texte",
    12,
    None,
    {"submission_id": "x"},
    {"submission_id": 10**30, "start": -5, "end": 10**30},
    {"submission_id": True, "code_id": [1], "start": "0", "end": "z", "path": {"a": 1}, "text": 5},
    {"expression": "${" * 500, "question": ["x"]},
    {"expression": HUGE_TEXT, "text": HUGE_TEXT},
    {"code_id": 10**30, "text": "x"},
    {"new_code": "", "submission_id": -1},
    {"device_label": 12},
    # Text no database stores: a NUL, and half a surrogate pair (valid JSON, no UTF-8 text).
    {
        "text": "a\ud800b",
        "memo": "\x00",
        "comment": "\udfff",
        "new_code": "code\ud800",
        "name": "\x00nom",
        "label": "\udc00",
        "device_label": "tablette\ud800",
        "expression": "${age} = '\ud800'",
        "question": "\ud800",
    },
]
RAW_BODIES = [
    b"{not json",
    b"\xff\xfe\x00garbage",
    b'{"a": 1e999999}',
    b"[" * 5000,
    b"",
    b"\xc3\x28",
]
FORM_BODIES = [
    {},
    {"title": "", "name": "", "label_fr": "", "email": "", "password": "", "state": "", "text": ""},
    {
        "title": HUGE_TEXT,
        "name": HUGE_TEXT,
        "label_fr": HUGE_TEXT,
        "description": HUGE_TEXT,
        "comment": HUGE_TEXT,
        "text": HUGE_TEXT,
        "keywords": HUGE_TEXT,
        "email": HUGE_TEXT,
        "password": HUGE_TEXT,
        "choices": HUGE_TEXT,
    },
    {
        "type": "inconnu",
        "parent": "-1",
        "position": "abc",
        "target": "999999999999999999999",
        "direction": "haut",
        "questionnaire_id": "x",
        "enumerator_id": str(10**30),
        "state": "validee",
        "role": "dieu",
        "answer": "1e9",
        "start": "-1",
        "end": "x",
        "action": "fusionner",
        "colour": "rouge",
        "languages": "fr,,<script>",
        "relevant": "${age} >>> 3",
        "constraint": "(((((",
        "calculation": "${inconnu} + 1",
        "required": "peut-être",
        "list_name": "../../etc",
        "choice_list": "absente",
        "language": "\x00",
        "form_id": "a b c/é",
    },
    # A NUL, which PostgreSQL refuses in text (a browser never sends one; a script may).
    {
        "title": "Réunion\x00",
        "name": "\x00",
        "label_fr": "Logement\x00",
        "description": "a\x00b",
        "comment": "\x00",
        "text": "\x00",
        "email": "camille\x00@exemple.fr",
        "password": "mot\x00de passe",
    },
    {"parent": "abc", "target": "x1", "action": "move", "name": "Nouveau code"},
    {"parent": "99999999999999999999", "action": "merge", "target": "99999999999999999999"},
    {
        "answers": "{pas du json",
        "public": "martien",
        "age_band": "9_99",
        "commune": "00000",
        "quartier": "x" * 300,
        "channel": "pigeon",
        "consent": "peut-être",
        "started_at": "hier",
        "definition": "[]",
    },
]


@pytest.fixture()
def records(app, db, monkeypatch):
    # Unexpected exceptions come back as the French 500 page instead of being raised in the test.
    monkeypatch.setitem(app.config, "PROPAGATE_UNEXPECTED", True)
    records = study(db)
    records["clients"] = role_clients(app, db)
    return records


def _call(client, method: str, url: str, **kwargs):
    """The response, or the exception that would have been a 500, as a problem line."""
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as error:  # noqa: BLE001 (each one is a 500 a user would see)
        return None, f"{method} {url}: {type(error).__name__}: {str(error)[:200]}"
    if response.status_code >= 500:
        return response, f"{method} {url}: {response.status_code}"
    return response, None


def _french(response) -> bool:
    """A 4xx answer says what is wrong in French, in the message itself (not anywhere on the page)."""
    return is_french(message_of(response))


def _routes(app, methods):
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint):
        # Logging out would end the session the other requests use: tested on its own.
        if rule.endpoint in ACCESS and rule.endpoint != "accounts.logout":
            for method in sorted(rule.methods & set(methods)):
                yield rule, method


def test_bad_query_strings_and_odd_bytes_never_break_a_page(app, records):
    admin = records["clients"]["admin"]
    problems = []
    for rule, method in _routes(app, {"GET"}):
        url = _url(app, rule.endpoint, records)
        response, problem = _call(admin, method, url.split("?")[0], query_string=BAD_QUERY)
        problems += [problem] if problem else []
        response, problem = _call(
            admin, method, url.split("?")[0] + "?page=%ff%fe&q=%c3%28&version=%00"
        )
        problems += [problem] if problem else []
        # A NUL in every argument's text, which PostgreSQL refuses in a comparison.
        response, problem = _call(
            admin,
            method,
            url.split("?")[0],
            query_string={name: f"ab\x00{value}"[:40] for name, value in BAD_QUERY.items()},
        )
        problems += [problem] if problem else []
    assert problems == [], "\n".join(problems)


def test_out_of_range_ids_in_urls_are_404_not_500(app, records):
    admin = records["clients"]["admin"]
    problems, not_french = [], []
    for rule, method in _routes(app, {"GET", "POST", "DELETE"}):
        int_arguments = [
            name
            for name, converter in rule._converters.items()
            if type(converter).__name__ == "IntegerConverter"
        ]
        if not int_arguments:
            continue
        url = _url(app, rule.endpoint, records)
        for bad in BAD_IDS:
            if bad.startswith("-"):
                continue  # the int converter refuses a sign: a 404 from routing
            bad_url = url
            for name in int_arguments:
                value = str(_url_value(records, name))
                bad_url = re.sub(rf"/{value}(?=/|$|\?|\.)", f"/{bad}", bad_url, count=1)
            response, problem = _call(
                admin, method, bad_url, json={} if "/api/" in bad_url else None
            )
            if problem:
                problems.append(problem)
            elif response.status_code >= 400 and not _french(response):
                not_french.append(f"{method} {bad_url}: {response.status_code}")
    assert problems == [], "\n".join(problems)
    assert not_french == [], "\n".join(not_french)


def _url_value(records, name):
    from test_security_roles import _url_values

    return _url_values(records)[name]


def test_bad_forms_never_break_a_page(app, records):
    admin = records["clients"]["admin"]
    problems = []
    for rule, method in _routes(app, {"POST"}):
        url = _url(app, rule.endpoint, records)
        if "/api/" in url:
            continue
        for body in FORM_BODIES:
            response, problem = _call(admin, method, url, data=body)
            problems += [problem] if problem else []
        response, problem = _call(
            admin,
            method,
            url,
            data=b"title=\xff\xfe&name=%ff%c3%28",
            content_type="application/x-www-form-urlencoded",
        )
        problems += [problem] if problem else []
        response, problem = _call(
            admin, method, url, data=b"\x00\x01", content_type="multipart/form-data; boundary=x"
        )
        problems += [problem] if problem else []
    assert problems == [], "\n".join(problems)


def test_bad_json_never_breaks_an_endpoint(app, records):
    admin = records["clients"]["admin"]
    problems, not_french = [], []
    for rule, method in _routes(app, {"POST", "DELETE"}):
        url = _url(app, rule.endpoint, records)
        attempts = [{"json": body} for body in JSON_BODIES]
        attempts += [{"data": raw, "content_type": "application/json"} for raw in RAW_BODIES]
        attempts += [
            {"data": b'{"a": 1}', "content_type": "text/plain"},
            {"data": b"a=1", "content_type": "application/xml"},
        ]
        for attempt in attempts:
            response, problem = _call(
                admin, method, url, headers={"Accept": "application/json"}, **attempt
            )
            if problem:
                problems.append(f"{problem} with {str(attempt)[:80]}")
            elif response.status_code >= 400 and not _french(response):
                not_french.append(f"{method} {url} {str(attempt)[:60]}: {response.status_code}")
    assert problems == [], "\n".join(problems)
    assert not_french == [], "\n".join(not_french)


def test_an_action_sent_by_fetch_without_a_body_goes_through(app, records):
    # coding.js posts decisions with the JSON content type and no body.
    coder = session_client(app, records["charge"])
    url = url_for(
        "coding.api_decide",
        questionnaire_id=records["questionnaire"].id,
        suggestion_id=records["suggestion"].id,
        decision="accepter",
    )
    response = coder.post(
        url, data=b"", content_type="application/json", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.get_json()["status"] == "accepted"


def test_deeply_nested_json_to_the_api_is_a_400(app, db, records):
    enqueteur = session_client(app, records["enqueteur"])
    response, problem = _call(
        enqueteur, "POST", "/api/v1/tokens", data=b"[" * 5000, content_type="application/json"
    )
    assert problem is None and response.status_code == 400, problem
    assert response.get_json()["message"].startswith("Requête invalide")
    from consultation.accounts.tokens import issue_token

    _, token = issue_token(records["enqueteur"], "Tablette")
    db.session.commit()
    tablet = session_client(app, None)
    response, problem = _call(
        tablet,
        "POST",
        "/api/v1/submissions",
        data=b"[" * 5000,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert problem is None and response.status_code == 400, problem


def test_bearer_api_with_bad_tokens_and_bodies(app, db, records):
    tablet = session_client(app, None)
    problems = []
    for header in ("Bearer", "Bearer " + "x" * 10_000, "Basic abc", "Bearer \x00", "bearer  é"):
        for method, url in (
            ("POST", "/api/v1/submissions"),
            ("DELETE", "/api/v1/tokens/current"),
            ("GET", "/api/v1/questionnaires"),
        ):
            response, problem = _call(
                tablet, method, url, headers={"Authorization": header}, json={}
            )
            if problem:
                problems.append(problem)
            else:
                assert (
                    response.status_code == 401
                    and "jeton" in response.get_json()["message"].lower()
                )
    assert problems == [], "\n".join(problems)


def test_a_12_megabyte_upload_gets_the_french_413_page(app, records):
    admin = records["clients"]["admin"]
    upload = {"file": (io.BytesIO(b"x" * (12 * 1024 * 1024)), "questionnaire.xlsx")}
    response = admin.post(
        "/etudes/etude-test/questionnaires/importer",
        data=upload,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.get_data(as_text=True)
    api = admin.post(
        "/api/v1/tokens",
        data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
        content_type="application/json",
    )
    assert api.status_code == 413 and "volumineuse" in api.get_json()["message"]


def test_a_broken_xlsx_is_a_french_message(app, records):
    admin = records["clients"]["admin"]
    for content in (b"PK\x03\x04 pas un classeur", b"", b"\x00" * 1000):
        response = admin.post(
            "/etudes/etude-test/questionnaires/importer",
            data={"file": (io.BytesIO(content), "q.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code in (200, 400, 422), response.status_code
        assert _french(response)


# ---- login, cookies, secrets ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "https://exemple.com/",
        "//exemple.com/",
        "/\\exemple.com",
        "\\\\exemple.com",
        "/\t/exemple.com",
        "javascript:alert(1)",
        "http:exemple.com",
        "/%2F%2Fexemple.com",
        " //exemple.com",
        "/\\/exemple.com",
    ],
)
def test_login_never_sends_the_user_to_another_site(app, records, target):
    anonymous = records["clients"][None]
    user = records["clients"]["lecteur"].user
    response = anonymous.post(
        "/compte/connexion",
        query_string={"next": target},
        data={"email": user.email, "password": "motdepasse-solide-42"},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    # As a browser resolves it: a backslash counts as a slash, tabs and newlines are dropped.
    as_browser = re.sub(r"[\t\n\r]", "", location.replace("\\", "/"))
    assert (
        urlsplit(urljoin("http://localhost/compte/connexion", as_browser)).netloc == "localhost"
    ), location


def test_login_keeps_a_local_next_page(app, records):
    anonymous = records["clients"][None]
    user = records["clients"]["lecteur"].user
    response = anonymous.post(
        "/compte/connexion",
        query_string={"next": "/etudes/etude-test/analyse/?x=1"},
        data={"email": user.email, "password": "motdepasse-solide-42"},
    )
    assert response.headers["Location"] == "/etudes/etude-test/analyse/?x=1"


def test_session_cookie_is_http_only_and_same_site(app, records):
    anonymous = records["clients"][None]
    user = records["clients"]["lecteur"].user
    response = anonymous.post(
        "/compte/connexion",
        data={"email": user.email, "password": "motdepasse-solide-42", "remember": "y"},
    )
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    assert "session" in cookies and "remember_token" in cookies
    for cookie in cookies.values():
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_secure_cookies_can_be_required_from_the_environment(tmp_path, monkeypatch):
    from consultation import create_app

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    production = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": "x"}
    )
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True


def test_password_hashes_never_appear_in_a_page(app, db, records):
    from consultation.accounts.models import User

    hashes = [user.password_hash for user in db.session.query(User)]
    admin = records["clients"]["admin"]
    for rule, _method in _routes(app, {"GET"}):
        url = _url(app, rule.endpoint, records)
        body = admin.get(url).get_data()
        assert b"$argon2" not in body, url
        assert not any(password_hash.encode() in body for password_hash in hashes), url
    for file_format in ("csv", "xlsx"):
        started = admin.post(
            url_for("review.export", questionnaire_id=records["questionnaire"].id),
            data={"format": file_format},
        )
        assert started.status_code == 302
        export = admin.get(started.headers["Location"] + "/fichier")
        assert export.status_code == 200 and b"$argon2" not in export.get_data()


def test_text_no_database_stores_is_refused_naming_its_field(app, db, records):
    """A NUL or half a surrogate pair, in a form or a JSON body outside the API, is a French 400
    that names the field, before any view writes it."""
    admin = records["clients"]["admin"]
    url = "/compte/utilisateurs"
    people = db.session.scalar(select(func.count(User.id)))
    account = {"email": "camille@exemple.fr", "password": "un mot de passe sûr", "role": "lecteur"}
    nul = admin.post(url, data=account | {"name": "Cami\x00lle"})
    assert nul.status_code == 400
    assert "Le champ « name » contient un caractère invalide" in nul.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == people
    half = admin.post(
        url,
        json={"email": "camille@exemple.fr", "membres": [{"nom": "ok"}, {"nom": "Ka\ud800rim"}]},
        headers={"Accept": "application/json"},
    )
    assert half.status_code == 400
    assert "« membres[1].nom »" in half.get_json()["message"]
    assert is_french(half.get_json()["message"])
    searched = admin.get(
        f"/etudes/{records['slug']}/reponses/questionnaire/1", query_string={"q": "lo\x00gement"}
    )
    assert searched.status_code == 400
    assert "Le champ « q » contient un caractère invalide" in searched.get_data(as_text=True)
    # The same account without the NUL is created.
    assert admin.post(url, data=account | {"name": "Camille"}).status_code in (200, 302)
    assert db.session.scalar(select(func.count(User.id))) == people + 1


def test_a_nul_in_a_url_names_no_page_not_a_500(app, records):
    """A NUL in an address (a token, a study's slug, a secret link) is a French 404 on every
    page, anonymous ones included: PostgreSQL refused it inside the lookup with a 500."""
    from test_security_roles import _url_values

    visitor = app.test_client()
    admin = records["clients"]["admin"]
    values = _url_values(records) | {"study": records["slug"]}
    problems, not_french, tried = [], [], 0
    for rule, method in _routes(app, {"GET", "POST"}):
        text_arguments = [
            name
            for name, converter in rule._converters.items()
            if type(converter).__name__ in ("UnicodeConverter", "PathConverter")
        ]
        if not text_arguments:
            continue
        arguments = {name: values[name] for name in rule.arguments if name in values} | ACCESS[
            rule.endpoint
        ].params
        for name in text_arguments:
            value = str(arguments[name])
            arguments[name] = f"{value[:2]}\x00{value[2:]}"
        with app.test_request_context():
            url = url_for(rule.endpoint, **arguments)
        for client in (visitor, admin):
            tried += 1
            response, problem = _call(client, method, url)
            if problem:
                problems.append(problem)
            elif response.status_code != 404 or not _french(response):
                not_french.append(f"{method} {url}: {response.status_code}")
    assert tried > 10
    assert problems == [], "\n".join(problems)
    assert not_french == [], "\n".join(not_french)
