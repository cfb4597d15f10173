"""Security headers on every response, set in this one place.

Caching: every response to a logged-in user, and every response of the JSON API, is personal data
or may hold some (answers, verbatims, exports, accounts, a tablet's interviews): `no-store`, so
that neither a shared browser's cache nor a proxy keeps a copy after the session ends. Only the
static files and the service worker script, the same for everyone, may be cached.

Scripts run only from our own origin, plus the few inline blocks a page marks with this request's
nonce (the tablet's import map, which browsers only accept inline, and its start-up modules).
Style attributes stay allowed: the coding pages colour codes with `style="--c: …"`, always escaped."""

import secrets

from flask import request
from flask_login import current_user

from . import bp

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "worker-src 'self'; "
    "manifest-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp_nonce() -> str:
    """The nonce of this response, for `<script nonce="{{ csp_nonce() }}">`."""
    # Kept in the request's environ, not in `g`: an app context may outlive one request.
    return request.environ.setdefault("consultation.csp_nonce", secrets.token_urlsafe(18))


@bp.app_context_processor
def inject_csp_nonce():
    return {"csp_nonce": csp_nonce}


# Endpoints whose responses hold no personal data, whoever asks.
CACHEABLE_ENDPOINTS = {"static", "interviews.service_worker"}


@bp.after_app_request
def add_security_headers(response):
    headers = response.headers
    # One look at the names already set, rather than a scan of the list per header.
    present = {name.lower() for name in headers.keys()}
    for name, value in FIXED_HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    # A view may set a stricter policy of its own (the word-cloud SVG does): keep it.
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=csp_nonce()))
    if _personal(response):
        # Replaces whatever the view said (send_file's max-age on a word cloud, for instance).
        headers["Cache-Control"] = "no-store"
    return response


def _personal(response) -> bool:
    if request.endpoint in CACHEABLE_ENDPOINTS:
        return False
    # The API answers tablets (bearer token) and pages (session) alike; its 401s are cheap to
    # mark too. Checked before current_user, which costs a query when a session is present.
    return request.path.startswith("/api/") or current_user.is_authenticated


def allowed_methods(error) -> dict:
    """Headers of an error page: a 405 says which methods the URL accepts (RFC 9110 requires
    `Allow` there), which the error handlers' own responses would otherwise drop."""
    valid_methods = getattr(error, "valid_methods", None)
    if getattr(error, "code", None) == 405 and valid_methods:
        return {"Allow": ", ".join(sorted(valid_methods))}
    return {}
