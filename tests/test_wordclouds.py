"""Word clouds: real rendering, stop-words, deterministic output and the disk cache."""

import time

import pytest
from PIL import Image

from analyse.nlp import analyse_texts
from analyse.wordclouds import clean_frequencies, frequencies_by_group, wordcloud_files

FREQUENCIES = {
    "transport": 30,
    "bus": 22,
    "médecin": 15,
    "isolement": 12,
    "loyer": 9,
    "être": 40,
    "faire": 35,
    "le": 80,
    "2024": 5,
    "besoin": 18,
}


def test_stop_words_and_fillers_are_removed():
    words = clean_frequencies(FREQUENCIES)
    assert list(words) == ["transport", "bus", "médecin", "isolement", "loyer"]


def test_png_and_svg_are_rendered_at_the_asked_size(tmp_path):
    png, svg = wordcloud_files(FREQUENCIES, tmp_path, width=640, height=360)
    with Image.open(png) as image:
        assert image.size == (640, 360)
    content = svg.read_text(encoding="utf-8")
    assert (
        content.startswith("<svg")
        and ">transport</text>" in content
        and ">faire</text>" not in content
    )


def test_same_input_same_picture_and_cache_hit_is_fast(tmp_path):
    png, svg = wordcloud_files(FREQUENCIES, tmp_path / "a")
    again_png, _ = wordcloud_files(dict(reversed(list(FREQUENCIES.items()))), tmp_path / "b")
    assert png.read_bytes() == again_png.read_bytes()  # deterministic, order-independent

    modified = png.stat().st_mtime_ns
    started = time.perf_counter()
    cached = wordcloud_files(FREQUENCIES, tmp_path / "a")
    elapsed = time.perf_counter() - started
    assert cached == (png, svg)
    assert png.stat().st_mtime_ns == modified  # served from disk, not rendered again
    assert elapsed < 0.05


def test_other_size_or_colours_render_a_new_cloud(tmp_path):
    first, _ = wordcloud_files(FREQUENCIES, tmp_path)
    other_size, _ = wordcloud_files(FREQUENCIES, tmp_path, width=500)
    other_colours, _ = wordcloud_files(FREQUENCIES, tmp_path, colormap="plasma")
    assert len({first, other_size, other_colours}) == 3


def test_nothing_left_to_show_is_a_french_error(tmp_path):
    with pytest.raises(ValueError, match="aucun mot"):
        wordcloud_files({"le": 3, "faire": 2}, tmp_path)
    with pytest.raises(ValueError, match="taille"):
        wordcloud_files(FREQUENCIES, tmp_path, width=10)


def test_clouds_per_public_from_real_lemmas(tmp_path):
    answers = [
        ("jeune", "Les bus ne passent pas le soir, on veut un local pour les jeunes."),
        ("âgé", "Je suis seule, mes enfants habitent loin et le médecin ne se déplace plus."),
        ("jeune", "Pas de bus pour aller au travail."),
    ]
    analyses = analyse_texts([text for _, text in answers])
    groups = frequencies_by_group((public, a.terms()) for (public, _), a in zip(answers, analyses))
    assert groups["jeune"]["bus"] == 2
    png, svg = wordcloud_files(groups["âgé"], tmp_path)
    assert "médecin" in svg.read_text(encoding="utf-8")
