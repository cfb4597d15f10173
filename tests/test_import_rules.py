"""The direction of imports, as docs/architecture.md draws it: pure cores import nothing of the web
layer; domain packages import no feature; a feature imports no other feature."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = ("questionnaires", "analyse")
WEB = (
    "flask",
    "flask_sqlalchemy",
    "flask_login",
    "flask_wtf",
    "flask_smorest",
    "sqlalchemy",
    "consultation",
)
# What every feature stands on.
DOMAIN = (
    "accounts",
    "questionnaire_store",
    "submissions",
    "jobs",
    "territory",
    "studies",
    "indicators",
)
# One package per feature, side by side.
FEATURES = ("designer", "interviews", "review", "api", "coding", "public", "residents", "fieldwork")
# Above the features: the collectif's work stands on coding's themes and nothing stands on it.
ABOVE = {"collectif": {"coding"}}


def _imports(path: Path) -> set[str]:
    """The absolute names of the modules `path` imports (relative imports resolved)."""
    package = list(path.relative_to(ROOT).with_suffix("").parts)
    package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module)
    return found


def _files(package: str):
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


@pytest.mark.parametrize("package", PURE)
def test_pure_cores_import_nothing_of_the_web_layer(package):
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files(package)
        for name in _imports(path)
        if name.split(".")[0] in WEB
    ]
    assert not offending, offending


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_import_no_feature(package):
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files(f"consultation.{package}")
        for name in _imports(path)
        if name.startswith("consultation.") and name.split(".")[1] in FEATURES
    ]
    assert not offending, offending


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_imports_no_other_feature(feature):
    others = set(FEATURES) - {feature}
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files(f"consultation.{feature}")
        for name in _imports(path)
        if name.startswith("consultation.") and name.split(".")[1] in others
    ]
    assert not offending, offending


@pytest.mark.parametrize("package", ABOVE)
def test_the_collectif_imports_only_the_features_it_stands_on(package):
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files(f"consultation.{package}")
        for name in _imports(path)
        if name.startswith("consultation.")
        and name.split(".")[1] in FEATURES
        and name.split(".")[1] not in ABOVE[package]
    ]
    assert not offending, offending


@pytest.mark.parametrize("package", [*DOMAIN, *FEATURES])
def test_nothing_below_imports_the_collectif(package):
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _files(f"consultation.{package}")
        for name in _imports(path)
        if name.startswith("consultation.") and name.split(".")[1] in ABOVE
    ]
    assert not offending, offending


def test_the_rules_see_imports_inside_functions():
    """A check that found nothing because it looked at nothing would pass for ever."""
    names = _imports(ROOT / "consultation" / "accounts" / "views.py")
    assert "consultation.accounts.tokens" in names and "consultation.extensions" in names
