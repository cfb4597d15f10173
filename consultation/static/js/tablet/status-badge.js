/**
 * The badge every tablet page shows: online or offline, how many interviews wait, when the last
 * sync succeeded, and a « Synchroniser maintenant » button.
 */

export function pendingText(pending, failed) {
  const parts = [];
  if (pending === 0 && failed === 0) parts.push("Aucun entretien en attente");
  if (pending > 0) parts.push(pending === 1 ? "1 entretien en attente d'envoi" : `${pending} entretiens en attente d'envoi`);
  if (failed > 0) parts.push(failed === 1 ? "1 entretien refusé" : `${failed} entretiens refusés`);
  return parts.join(" · ");
}

export function dateTimeText(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date();
  const time = date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === today.toDateString()) return `aujourd'hui à ${time}`;
  return `le ${date.toLocaleDateString("fr-FR")} à ${time}`;
}

export function renderStatus(section, status) {
  const network = section.querySelector('[data-role="network"]');
  network.textContent = status.online ? "En ligne" : "Hors ligne";
  network.classList.toggle("pill-online", status.online);
  network.classList.toggle("pill-offline", !status.online);
  const pending = section.querySelector('[data-role="pending"]');
  pending.textContent = pendingText(status.pending, status.failed);
  pending.classList.toggle("pending-some", status.pending + status.failed > 0);
  section.querySelector('[data-role="last-sync"]').textContent = status.lastSync
    ? `Dernière synchronisation : ${dateTimeText(status.lastSync)}`
    : "Jamais synchronisé";
  const button = section.querySelector('[data-role="sync-now"]');
  button.disabled = Boolean(status.syncing);
  // « maintenant » gives way on phones (CSS), the button's name stays whole for screen readers.
  if (status.syncing) button.textContent = "Synchronisation…";
  else button.replaceChildren("Synchroniser", Object.assign(document.createElement("span"), { className: "wide-only", textContent: "\u00a0maintenant" }));
  const message = section.querySelector('[data-role="message"]');
  message.textContent = status.message || "";
  const login = section.querySelector('[data-role="login-needed"]');
  if (login) login.hidden = !status.loginNeeded;
}

/** Registers the service worker and says when the app is ready to work without network. */
export async function registerServiceWorker(section) {
  const ready = section.querySelector('[data-role="offline-ready"]');
  if (!("serviceWorker" in navigator)) {
    ready.textContent = "Ce navigateur ne permet pas le travail hors ligne.";
    return null;
  }
  try {
    await navigator.serviceWorker.register(section.dataset.swUrl, { scope: section.dataset.swScope, type: "classic" });
    const registration = await navigator.serviceWorker.ready;
    ready.textContent = "Disponible hors ligne";
    ready.dataset.ready = "true";
    return registration;
  } catch (error) {
    // Offline with an already installed worker, the registration check fails but the app works.
    if (navigator.serviceWorker.controller) {
      ready.textContent = "Disponible hors ligne";
      ready.dataset.ready = "true";
    } else {
      ready.textContent = "Travail hors ligne indisponible : rechargez la page avec réseau.";
    }
    return null;
  }
}
