"""The files the tablet app needs offline, and one version string that changes with any of them.

Every asset URL the pages use carries `?v=<version>`, so the service worker may serve them from its
cache without asking the network, and a new deployment gets a new cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, url_for

SERVICE_WORKER_FILE = "js/tablet/sw.js"
# Relative to the static folder: the tablet modules, the form runtime and its modules, the
# expression evaluator's, the vendored libraries and the stylesheet.
ASSET_PATTERNS = ("css/*.css", "js/**/*.js", "vendor/**/*.js")


def static_folder() -> Path:
    return Path(current_app.static_folder)


def asset_paths() -> list[str]:
    root = static_folder()
    paths = set()
    for pattern in ASSET_PATTERNS:
        for path in root.glob(pattern):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative != SERVICE_WORKER_FILE:
                paths.add(relative)
    return sorted(paths)


def assets_version() -> str:
    """A short digest of every asset and of the service worker itself."""
    digest = hashlib.sha256()
    root = static_folder()
    for relative in asset_paths() + [SERVICE_WORKER_FILE]:
        path = root / relative
        if path.is_file():
            digest.update(relative.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def versioned_url(relative: str, version: str) -> str:
    return url_for("static", filename=relative, v=version)


def import_map(version: str) -> dict:
    """Bare specifiers for the ES modules, so each import gets the versioned URL."""
    imports = {}
    root = static_folder()
    for path in sorted((root / "js" / "tablet").glob("*.js")):
        if path.name != "sw.js":
            imports[f"tablet/{path.name}"] = versioned_url(f"js/tablet/{path.name}", version)
    imports["idb"] = versioned_url("vendor/idb/idb.js", version)
    if (root / "js" / "form-runtime.js").is_file():
        imports["form-runtime"] = versioned_url("js/form-runtime.js", version)
    # The shared modules import each other by relative path ("./expressions.js",
    # "./expressions/values.js", "../dom.js", the vendored hashes): map those plain URLs to the versioned ones, which the
    # service worker keeps for offline use.
    paths = [*(root / "js").glob("**/*.js"), *(root / "vendor").glob("**/*.js")]
    for path in sorted(paths):
        relative = path.relative_to(root).as_posix()
        if relative != SERVICE_WORKER_FILE:
            imports[url_for("static", filename=relative)] = versioned_url(relative, version)
    return {"imports": imports}
