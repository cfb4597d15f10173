"""The French pipeline is loaded once per serving process, in the background as soon as the app is
served: the first concordance waits only for what is left of the load. Each check runs in a
process of its own, where nothing has loaded spaCy yet."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, tmp_path, **environment) -> dict:
    """Runs `script` in a fresh Python (the project importable, an instance folder of its own);
    returns the JSON of its last line."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PRELOAD_NLP", "DATABASE_URL", "INSTANCE_PATH")
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'preload.db'}",
        **environment,
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


_SERVED = """
import gc, json, sys
from analyse import nlp
from consultation import create_app

app = create_app(serving={serving})
preload = app.extensions.get("consultation.nlp_preload")
if preload is not None:
    preload.join(240)
print(json.dumps({{
    "preloading": preload is not None,
    "loaded": nlp.pipeline_loaded(),
    "spacy_imported": "spacy" in sys.modules,
    "set_apart_from_the_collector": gc.get_freeze_count() > 100_000,
}}))
"""


def test_a_served_app_loads_the_french_pipeline_without_waiting_for_a_request(tmp_path):
    served = _run(_SERVED.format(serving=True), tmp_path)
    assert served == {
        "preloading": True,
        "loaded": True,
        "spacy_imported": True,
        "set_apart_from_the_collector": True,
    }


def test_the_preload_setting_decides_over_the_context(tmp_path):
    # A command or a script: nothing loaded that it may never use...
    assert _run(_SERVED.format(serving=False), tmp_path) == {
        "preloading": False,
        "loaded": False,
        "spacy_imported": False,
        "set_apart_from_the_collector": False,
    }
    # ... unless asked; and a server told not to does not.
    assert _run(_SERVED.format(serving=False), tmp_path, PRELOAD_NLP="1")["loaded"]
    assert not _run(_SERVED.format(serving=True), tmp_path, PRELOAD_NLP="0")["preloading"]


def test_the_apps_of_the_tests_load_nothing_by_themselves(app):
    assert "consultation.nlp_preload" not in app.extensions


_AT_ONCE = """
import json, threading
from analyse import nlp

loads = []
load = nlp._load_pipeline


def counted(model):
    loads.append(model)
    return load(model)


nlp._load_pipeline = counted  # the real load, counted
start = threading.Barrier(5)
got = []


def first_use():
    start.wait()
    got.append(nlp.load_pipeline())


threads = [threading.Thread(target=first_use) for _ in range(4)]
for thread in threads:
    thread.start()
start.wait()
preload = nlp.preload_pipeline()  # a server's preload, at the same moment
for thread in [*threads, preload]:
    thread.join(240)
print(json.dumps({"loads": len(loads), "pipelines": len({id(found) for found in got}),
                  "uses": len(got), "lemma": nlp.load_pipeline()("Les loyers")[1].lemma_}))
"""


def test_concurrent_first_uses_load_the_pipeline_once(tmp_path):
    found = _run(_AT_ONCE, tmp_path)
    assert found == {"loads": 1, "pipelines": 1, "uses": 4, "lemma": "loyer"}
