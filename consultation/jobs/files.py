"""Files a job writes for its user (exports): under instance/exports/, readable by the server's
account only, written under a temporary name and renamed when complete (a half-written file is
never served), deleted KEEP_FOR after they were written: they hold personal data, and a user who
needs it again exports again."""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app

from .models import Job

KEEP_FOR = timedelta(hours=24)
FOLDER = "exports"


def files_folder() -> Path:
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def new_file_name(job: Job, extension: str) -> str:
    # Unguessable, so that a name seen in a log opens nothing; the download view checks the user anyway.
    return f"job-{job.id}-{secrets.token_hex(8)}.{extension}"


def temporary_path(name: str) -> Path:
    return files_folder() / f".{name}.part"


def publish(name: str) -> Path:
    """The complete file takes its final name; readable by the server's account only."""
    final = files_folder() / name
    temporary = temporary_path(name)
    os.chmod(temporary, 0o600)
    os.replace(temporary, final)
    return final


def discard(name: str) -> None:
    temporary_path(name).unlink(missing_ok=True)


def _expired(path: Path, now: float) -> bool:
    return now - path.stat().st_mtime > KEEP_FOR.total_seconds()


def file_of(job: Job) -> Path | None:
    """The job's file if it is still there and not expired."""
    name = (job.result or {}).get("file")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = files_folder() / name
    try:
        if _expired(path, time.time()):
            path.unlink(missing_ok=True)
            return None
    except FileNotFoundError:
        return None
    return path


def delete_expired_files() -> int:
    """Deletes the files older than KEEP_FOR (and leftovers of jobs killed while writing)."""
    now, deleted = time.time(), 0
    for path in files_folder().iterdir():
        try:
            if path.is_file() and _expired(path, now):
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # another process deleted it first
            continue
    return deleted
