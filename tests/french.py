"""Is a message French? Used by every test that checks an error is told in French: it fails on an
empty message, an English one, or a page where the message itself cannot be found."""

import re

from lxml import html as lxml_html

FRENCH_MARKERS = re.compile(
    r"[éèàêçôùâî]|\b(le|la|les|des|du|un|une|est|ce|cette|pas|ne|au|aux|vous|votre|dans|pour|sur|"
    r"inconnue?s?|erreurs?|invalides?|introuvables?|manquante?s?|requise?s?|refusée?s?)\b",
    re.IGNORECASE,
)
ENGLISH_MARKERS = re.compile(
    r"\b(the|is|are|was|must|not|should|please|invalid|error|field|required|missing|unknown|"
    r"found|allowed|failed|value|expected)\b",
    re.IGNORECASE,
)


def is_french(message: str | None) -> bool:
    message = (message or "").strip()
    return (
        bool(message)
        and bool(FRENCH_MARKERS.search(message))
        and not ENGLISH_MARKERS.search(message)
    )


def message_of(response) -> str:
    """The message a user reads: `message` (or `error`) of a JSON answer; in an HTML page, the
    flashed messages, the fields' errors and the error page's text, not the whole page."""
    if response.is_json:
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            return str(body.get("message") or body.get("error") or "")
        return ""
    text = response.get_data(as_text=True)
    if not text.lstrip().startswith("<"):
        return text
    tree = lxml_html.fromstring(text)
    places = tree.xpath(
        "//*[@role='alert'] | //*[contains(concat(' ', @class, ' '), ' flash ')]"
        " | //*[contains(concat(' ', @class, ' '), ' error ')]"
        " | //*[contains(concat(' ', @class, ' '), ' errors ')]"
        " | //main//section[contains(concat(' ', @class, ' '), ' narrow ')]/p[1]"
    )
    return " ".join(" ".join(place.itertext()).strip() for place in places).strip()


def assert_french(response_or_message) -> str:
    message = (
        response_or_message
        if isinstance(response_or_message, str)
        else message_of(response_or_message)
    )
    assert is_french(message), f"message absent ou pas en français : {message!r}"
    return message
