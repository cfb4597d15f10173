/** /entretiens/: the badge, the sync, and the interviews kept on this tablet. */
import { renderLocalLists } from "tablet/lists.js";
import { registerServiceWorker, renderStatus } from "tablet/status-badge.js";
import { getMeta, purgeSentAnswers } from "tablet/store.js";
import { startSync } from "tablet/sync.js";

export async function startIndexPage(doc) {
  const section = doc.getElementById("etat-synchronisation");
  const lists = doc.getElementById("listes-locales");
  const appUrl = lists.dataset.appUrl;
  const study = lists.dataset.study;
  // Answers of interviews sent more than the correction window ago leave the tablet.
  await purgeSentAnswers().catch(() => null);
  const bootstrap = await getMeta(`bootstrap:${study}`);
  const redraw = () => renderLocalLists(lists, { appUrl, bootstrap, onChange: () => sync.refresh() });
  const sync = startSync({
    submissionsUrl: "/api/v1/submissions",
    tokenUrl: lists.dataset.tokenUrl,
    pageUrl: location.pathname,
    getCurrentUserId: () => Number(lists.dataset.userId) || bootstrap?.user?.id || null,
    currentStudy: study,
    onStatus: (status) => {
      renderStatus(section, status);
      if (!status.syncing) redraw();
    },
  });
  section.querySelector('[data-role="sync-now"]').addEventListener("click", () => sync.syncNow());
  registerServiceWorker(section);
  redraw();
}
