"""The session cookie's interface: Flask's own, with its signing serializer built once.

Flask builds the serializer afresh for every request, page or API call alike, and building it
serialises an empty dict to tell text from bytes: a cost paid by each tablet sync, which never
carries a cookie. It depends only on the secret key and its fallbacks, so it is kept for as long
as they stay the same (a test or a rotation that changes them gets a new one)."""

from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializer = (None, None)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made_for, serializer = self._serializer
        if made_for != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
        return serializer
