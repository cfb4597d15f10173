"""`consultation worker` with two job kinds of the tests, run as a real process by
test_jobs_recovery.py: `python tests/job_worker.py worker`."""

import time

from consultation.jobs.queue import job_handler


@job_handler("test_stuck_halfway")
def stuck_halfway(job, progress):
    # Half done, then busy until the test kills this process.
    progress(1, 2, "à moitié")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.1)
    return {}


@job_handler("test_quick")
def quick(job, progress):
    progress(1, 1, "fini")
    return {"ok": True}


if __name__ == "__main__":
    from consultation.cli import main

    main()
