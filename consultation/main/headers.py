"""Security headers on every response, set in this one place.

Scripts run only from our own origin, plus the few inline blocks a page marks with this request's
nonce (the tablet's import map, which browsers only accept inline, and its start-up modules).
Style attributes stay allowed: the coding pages colour codes with `style="--c: …"`, always escaped."""
import secrets

from flask import request

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


@bp.after_app_request
def add_security_headers(response):
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    # A view may set a stricter policy of its own (the word-cloud SVG does): keep it.
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=csp_nonce()))
    return response
