"""Word clouds of lemma frequencies (per code, per public), as PNG and SVG, cached on disk.

A cloud is rendered once for a given (frequencies, size, colours, version): the files are named by
a hash of those, so a page asking again gets the files back without rendering (a few
milliseconds). Rendering is deterministic (fixed random_state): the same frequencies always give
the same picture, which keeps the cache honest and the reports reproducible.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

# Bump when the rendering changes (font, layout options): cached files then miss.
RENDER_VERSION = "wordcloud-v1"
DEFAULT_COLORMAP = "viridis"

# Words that fill answers to a social-needs survey without saying anything about the need.
ABS_FILLER_WORDS = frozenset(
    """
    faire falloir pouvoir vouloir devoir aller venir dire voir mettre prendre donner trouver savoir
    avoir être chose truc gens personne personnes fois bien mal plus moins trop très vraiment
    beaucoup peu assez vrai rien tout tous toute toutes chose choses moment exemple niveau
    besoin besoins manque manquer problème problèmes question questions réponse réponses
    oui non merci bonjour pense penser trouve trouver aimerait aimer souhaiter souhaite
    etc ça cela ceci chez ici là déjà encore toujours jamais souvent aujourd'hui maintenant
    an ans année années mois jour jours semaine semaines heure heures
    """.split()
)


def french_stop_words() -> frozenset[str]:
    """spaCy's French stop-list plus the survey's filler words (lower-case lemmas)."""
    from spacy.lang.fr.stop_words import STOP_WORDS

    return frozenset(word.lower() for word in STOP_WORDS) | ABS_FILLER_WORDS


def clean_frequencies(
    frequencies: Mapping[str, float],
    *,
    stop_words: Iterable[str] | None = None,
    max_words: int = 150,
) -> dict[str, float]:
    """Drop stop-words, numbers and empty terms; keep the `max_words` most frequent."""
    stop = french_stop_words() if stop_words is None else frozenset(w.lower() for w in stop_words)
    kept = {
        term.strip(): float(count)
        for term, count in frequencies.items()
        if term
        and term.strip()
        and count > 0
        and term.strip().lower() not in stop
        and any(char.isalpha() for char in term)
    }
    ordered = sorted(kept.items(), key=lambda item: (-item[1], item[0]))[:max_words]
    return dict(ordered)


def cache_key(
    frequencies: Mapping[str, float], *, width: int, height: int, colormap: str, background: str
) -> str:
    payload = json.dumps(
        {
            "f": sorted(frequencies.items()),
            "w": width,
            "h": height,
            "c": colormap,
            "b": background,
            "v": RENDER_VERSION,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def wordcloud_files(
    frequencies: Mapping[str, float],
    cache_dir: str | os.PathLike,
    *,
    width: int = 800,
    height: int = 450,
    colormap: str = DEFAULT_COLORMAP,
    background: str = "white",
    stop_words: Iterable[str] | None = None,
    max_words: int = 150,
) -> tuple[Path, Path]:
    """(png_path, svg_path) of the cloud; rendered only when not already in `cache_dir`.

    Raises ValueError (French) when no word is left after the stop-list."""
    if not (50 <= width <= 4000 and 50 <= height <= 4000):
        raise ValueError("taille du nuage invalide : largeur et hauteur entre 50 et 4000 pixels")
    words = clean_frequencies(frequencies, stop_words=stop_words, max_words=max_words)
    if not words:
        raise ValueError(
            "aucun mot à afficher : toutes les réponses sont vides ou ne contiennent que des mots outils"
        )
    key = cache_key(words, width=width, height=height, colormap=colormap, background=background)
    directory = Path(cache_dir)
    png_path, svg_path = directory / f"{key}.png", directory / f"{key}.svg"
    if png_path.exists() and svg_path.exists():
        return png_path, svg_path
    directory.mkdir(parents=True, exist_ok=True)
    cloud = _render(
        words,
        width=width,
        height=height,
        colormap=colormap,
        background=background,
        max_words=max_words,
    )
    _write_atomic(svg_path, cloud.to_svg(embed_font=False).encode("utf-8"))
    image = cloud.to_image()
    _write_atomic(png_path, _png_bytes(image))
    return png_path, svg_path


def _render(
    words: dict[str, float],
    *,
    width: int,
    height: int,
    colormap: str,
    background: str,
    max_words: int,
):
    from wordcloud import WordCloud

    cloud = WordCloud(
        width=width,
        height=height,
        background_color=background,
        colormap=colormap,
        random_state=42,
        max_words=max_words,
        prefer_horizontal=0.95,
        collocations=False,
        normalize_plurals=False,
        margin=4,
    )
    return cloud.generate_from_frequencies(words)


def _png_bytes(image) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _write_atomic(path: Path, content: bytes) -> None:
    # Two workers may render the same cloud at once: each writes its own temporary file and the
    # rename makes the last one win, never a half-written image.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def frequencies_by_group(
    terms_by_item: Iterable[tuple[str, Iterable[str]]],
) -> dict[str, dict[str, int]]:
    """Lemma frequencies per group (a code, a public) from (group, terms) pairs, e.g. the terms of
    each coded segment with its code, or of each answer with the respondent's public."""
    from collections import Counter

    groups: dict[str, Counter] = {}
    for group, terms in terms_by_item:
        groups.setdefault(group, Counter()).update(term.lower() for term in terms)
    return {group: dict(counter) for group, counter in groups.items()}
