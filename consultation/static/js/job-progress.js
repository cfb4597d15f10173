// Progress bar for a background job: <div data-job-url="/travaux/12"> with a <progress> and a
// status line inside; polls until the job is done or failed, then reloads or shows the error.
const POLL_MS = 1000;

export function watchJob(element) {
  const url = element.dataset.jobUrl;
  const bar = element.querySelector("progress");
  const status = element.querySelector("[data-job-status]");
  async function poll() {
    let job;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      job = await response.json();
    } catch (error) {
      status.textContent = "Connexion perdue, nouvelle tentative…";
      setTimeout(poll, POLL_MS * 3);
      return;
    }
    bar.value = job.percent;
    status.textContent = `${job.status_label} — ${job.percent} %${job.message ? " — " + job.message : ""}`;
    if (job.status === "done") {
      element.dispatchEvent(new CustomEvent("job-done", { detail: job, bubbles: true }));
      if (element.dataset.reload !== "false") window.location.reload();
    } else if (job.status !== "failed") {
      setTimeout(poll, POLL_MS);
    }
  }
  poll();
}

document.querySelectorAll("[data-job-url]").forEach(watchJob);
