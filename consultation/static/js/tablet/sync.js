/**
 * Sending the outbox to POST /api/v1/submissions.
 *
 * The server is idempotent on the interview's uuid, so a request whose answer was lost is simply
 * sent again: 201 (new) or 200 (already there, same content) both mean « the server has it ».
 * 409 and 422 keep the interview in the outbox with the server's French message: nothing is lost.
 *
 * A correction of an interview already sent carries `corrects`, the content hash the server
 * answered last time: the server stores it as a revision, or refuses it (409: another's, changed
 * since, already validated). A refused correction leaves the outbox and its reason is shown on the
 * sent interview, whose content is still the server's.
 * Network failures and server errors back off exponentially; passes run on page load, on the
 * `online` event, periodically, and on demand.
 *
 * A device token opens one study. Each interview remembers the study it was made for and is sent
 * with that study's token, even from another study's page on the same tablet.
 */
import {
  counts,
  deleteMeta,
  deviceId,
  forgetToken,
  getMeta,
  listOutbox,
  markCorrectionRefused,
  markSent,
  saveToken,
  setMeta,
  tokenFor,
  updateOutboxItem,
} from "tablet/store.js";

const PERIOD_MS = 60_000;
const BACKOFF_FIRST_MS = 5_000;
const BACKOFF_MAX_MS = 5 * 60_000;

export const PENDING = "en_attente";
export const FAILED = "erreur";

// Said when the server no longer accepts this tablet (token revoked, or the session that could
// renew it is gone): only typing the password again re-authorises it.
export const LOGIN_NEEDED =
  "Cette tablette n'est plus autorisée à envoyer les entretiens (jeton révoqué ou connexion expirée). " +
  "Ils restent enregistrés sur la tablette : reconnectez-vous avec votre mot de passe pour les envoyer.";
const NOT_YET_AUTHORISED = "Cette tablette n'est pas encore autorisée : connectez-vous une fois avec réseau.";

const loginNeededKey = (userId, study) => (study ? `reconnexion:${userId}:${study}` : `reconnexion:${userId}`);

/** True when the server refused this user's token for the study and a password login is awaited. */
export async function loginNeeded(userId, study) {
  return userId != null && Boolean(await getMeta(loginNeededKey(userId, study)));
}

/** The token address of the page (…/tokens?study=<its study>), made to ask for `study`'s. */
export function tokenUrlFor(tokenUrl, study) {
  if (!study) return tokenUrl;
  const url = new URL(tokenUrl, location.origin);
  url.searchParams.set("study", study);
  return url.pathname + url.search;
}

/** The body the API expects, from an outbox item. */
export function submissionPayload(item) {
  return {
    uuid: item.uuid,
    questionnaire_id: item.questionnaire_id,
    version: item.version,
    answers: item.answers || {},
    profile: {
      public: item.profile.public || "",
      age_band: item.profile.age_band || "",
      sex: item.profile.sex || "",
      commune: item.profile.commune || null,
      quartier: item.profile.quartier ? Number(item.profile.quartier) : null,
      place: item.profile.place || "",
    },
    consent: {
      given: Boolean(item.consent.given),
      recorded_by: item.consent.recorded_by || "",
      at: item.consent.at || null,
      parental_consent: item.consent.parental_required ? Boolean(item.consent.parental_consent) : null,
    },
    started_at: item.started_at,
    completed_at: item.completed_at,
    device_id: item.device_id,
    channel: "tablette",
    receipt_code: item.receipt_code || null,
    ...(item.corrects ? { corrects: item.corrects } : {}),
  };
}

function csrfToken(doc = document) {
  return doc.querySelector('meta[name="csrf-token"]')?.content || "";
}

/** A page served from the cache may hold an expired CSRF token: read a fresh one. */
async function freshCsrfToken(pageUrl) {
  const response = await fetch(pageUrl, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok || response.redirected) return "";
  const html = await response.text();
  return csrfToken(new DOMParser().parseFromString(html, "text/html"));
}

/**
 * Asks the server for a device token of `study` with the browser session; kept per user and
 * study in IndexedDB. `tokenUrl` is the page's; it is pointed at `study`.
 */
export async function ensureToken({ userId, study, tokenUrl, pageUrl }) {
  const existing = await tokenFor(userId, study);
  if (existing) return existing;
  if (!navigator.onLine) return null;
  const device = await deviceId();
  const request = async (csrf) =>
    fetch(tokenUrlFor(tokenUrl, study), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify({ device_label: `Tablette ${device.slice(0, 8)}` }),
    });
  let response = await request(csrfToken());
  if (response.status === 400 || response.status === 403) {
    const csrf = await freshCsrfToken(pageUrl);
    if (csrf) response = await request(csrf);
  }
  if (response.status === 401) {
    // Logged out, or logged in before the token was revoked: the server wants the password.
    await setMeta(loginNeededKey(userId, study), new Date().toISOString());
    return null;
  }
  if (!response.ok) return null;
  const body = await response.json();
  if (!body.token) return null;
  await saveToken(userId, study, body.token);
  await deleteMeta(loginNeededKey(userId, study));
  return body.token;
}

// The API names fields by path; the enquêteur knows them by these names.
const FIELD_NAMES = {
  "profile.public": "Public",
  "profile.age_band": "Tranche d'âge",
  "profile.sex": "Sexe",
  "profile.commune": "Commune",
  "profile.quartier": "Quartier",
  "profile.place": "Lieu de l'entretien",
  "consent.given": "Consentement",
  "consent.parental_consent": "Accord parental",
  "consent.recorded_by": "Consentement recueilli par",
  "consent.at": "Date du consentement",
  version: "Version du questionnaire",
};

function fieldName(path) {
  if (FIELD_NAMES[path]) return FIELD_NAMES[path];
  if (path.startsWith("answers.")) return `Question « ${path.slice("answers.".length)} »`;
  return path;
}

/** {path: [messages]} as lines « Commune : La commune … ». */
export function errorLines(errors) {
  if (!errors || typeof errors !== "object") return [];
  return Object.entries(errors).flatMap(([path, messages]) =>
    [].concat(messages).map((message) => (path && path !== "_schema" ? `${fieldName(path)} : ${message}` : String(message))),
  );
}

async function refusal(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const details = errorLines(body.errors);
  const fallback =
    response.status === 409
      ? "Un entretien portant le même identifiant a déjà été reçu avec un contenu différent."
      : "Le serveur a refusé cet entretien.";
  return { message: body.message || fallback, details, http_status: response.status };
}

/**
 * Sends every pending item once. Returns {sent, refused, stopped}: `stopped` is a French reason
 * when the pass ended early (network or server down), null otherwise.
 */
export async function sendOutbox({ submissionsUrl, tokenUrl, pageUrl, currentUserId, currentStudy, includeFailed }) {
  const result = { sent: 0, corrected: 0, refused: 0, correctionsRefused: 0, stopped: null };
  for (const item of await listOutbox()) {
    if (item.status === FAILED && !includeFailed) continue;
    // Made before interviews remembered their study: the token kept then, else this page's study.
    const study = item.study || ((await tokenFor(item.user_id, null)) ? null : currentStudy);
    let token = await tokenFor(item.user_id, study);
    if (!token && item.user_id === currentUserId && study) {
      token = await ensureToken({ userId: item.user_id, study, tokenUrl, pageUrl }).catch(() => null);
    }
    if (!token) {
      const needsLogin = await loginNeeded(item.user_id, study);
      await updateOutboxItem({
        ...item,
        status: PENDING,
        error: { message: needsLogin ? LOGIN_NEEDED : NOT_YET_AUTHORISED, details: [] },
      });
      continue;
    }
    let response;
    try {
      response = await fetch(submissionsUrl, {
        method: "POST",
        credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify(submissionPayload(item)),
      });
    } catch {
      await updateOutboxItem({ ...item, attempts: (item.attempts || 0) + 1 });
      result.stopped = "Connexion perdue pendant l'envoi : nouvel essai automatique.";
      return result;
    }
    if (response.status === 200 || response.status === 201) {
      let acknowledged = {};
      try {
        acknowledged = await response.json();
      } catch {
        acknowledged = {};
      }
      await markSent(item.uuid, response.status, acknowledged);
      result.sent += 1;
      if (item.corrects) result.corrected += 1;
    } else if (response.status === 409 && item.corrects) {
      await markCorrectionRefused(item.uuid, await refusal(response));
      result.correctionsRefused += 1;
    } else if (response.status === 401) {
      // A revoked token: forget it; the interview stays in the outbox until a password login
      // gets a new one (the server refuses to renew it from the session the tablet still has).
      await forgetToken(item.user_id, study);
      await setMeta(loginNeededKey(item.user_id, study), new Date().toISOString());
      await updateOutboxItem({ ...item, status: PENDING, error: { message: LOGIN_NEEDED, details: [] } });
      result.stopped = "Envoi refusé : le jeton de cette tablette a été révoqué.";
      return result;
    } else if ([400, 403, 404, 409, 413, 422].includes(response.status)) {
      await updateOutboxItem({ ...item, status: FAILED, error: await refusal(response), attempts: (item.attempts || 0) + 1 });
      result.refused += 1;
    } else {
      await updateOutboxItem({
        ...item,
        attempts: (item.attempts || 0) + 1,
        error: { message: `Le serveur n'a pas pu enregistrer l'entretien (code ${response.status}) : nouvel essai automatique.`, details: [] },
      });
      result.stopped = "Le serveur ne répond pas correctement : nouvel essai automatique.";
      return result;
    }
  }
  return result;
}

/**
 * Runs sendOutbox when it makes sense and tells `onStatus` what to show.
 * Returns {syncNow(), refresh(), status()}.
 */
export function startSync({ submissionsUrl, tokenUrl, pageUrl, getCurrentUserId, currentStudy, onStatus }) {
  let failures = 0;
  let timer = null;
  let running = null;
  let state = { online: navigator.onLine, syncing: false, message: "", nextAttemptAt: null };

  async function publish() {
    const outbox = await listOutbox();
    const status = {
      ...state,
      online: navigator.onLine,
      pending: outbox.filter((item) => item.status !== FAILED).length,
      failed: outbox.filter((item) => item.status === FAILED).length,
      counts: await counts(),
      lastSync: await getMeta("last_sync"),
      loginNeeded: await loginNeeded(getCurrentUserId(), currentStudy),
    };
    onStatus?.(status);
    return status;
  }

  function schedule(delay) {
    clearTimeout(timer);
    state.nextAttemptAt = Date.now() + delay;
    timer = setTimeout(() => pass({ includeFailed: false }), delay);
  }

  async function run({ includeFailed }) {
    state = { ...state, syncing: true, message: "" };
    await publish();
    let outcome;
    try {
      outcome = await sendOutbox({
        submissionsUrl,
        tokenUrl,
        pageUrl,
        currentUserId: getCurrentUserId(),
        currentStudy,
        includeFailed,
      });
    } catch (error) {
      outcome = { sent: 0, refused: 0, stopped: `Synchronisation interrompue : ${error.message || error}` };
    }
    // « Last sync » is when the server last acknowledged an interview, not when we last tried.
    if (outcome.sent > 0) await setMeta("last_sync", new Date().toISOString());
    if (outcome.stopped) {
      failures += 1;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
      state = { ...state, syncing: false, message: outcome.stopped };
      schedule(delay);
    } else {
      failures = 0;
      const parts = [];
      const interviews = outcome.sent - (outcome.corrected || 0);
      if (interviews) parts.push(interviews === 1 ? "1 entretien envoyé." : `${interviews} entretiens envoyés.`);
      if (outcome.corrected) parts.push(outcome.corrected === 1 ? "1 correction envoyée." : `${outcome.corrected} corrections envoyées.`);
      if (outcome.correctionsRefused) {
        parts.push(outcome.correctionsRefused === 1 ? "1 correction refusée : voir la raison dans « Envoyés »." : `${outcome.correctionsRefused} corrections refusées : voir la raison dans « Envoyés ».`);
      }
      if (outcome.refused) parts.push(outcome.refused === 1 ? "1 entretien refusé par le serveur : voir le détail." : `${outcome.refused} entretiens refusés par le serveur : voir le détail.`);
      state = { ...state, syncing: false, message: parts.join(" ") };
      schedule(PERIOD_MS);
    }
    return publish();
  }

  async function pass({ includeFailed, manual = false }) {
    if (!navigator.onLine) {
      state = { ...state, message: manual ? "Hors ligne : les entretiens partiront dès le retour du réseau." : "" };
      schedule(PERIOD_MS);
      return publish();
    }
    if (running) return running;
    const work = () => run({ includeFailed });
    running = (navigator.locks ? navigator.locks.request("consultation-sync", work) : work()).finally(() => {
      running = null;
    });
    return running;
  }

  window.addEventListener("online", () => {
    failures = 0;
    state.online = true;
    pass({ includeFailed: false });
  });
  window.addEventListener("offline", () => {
    state.online = false;
    publish();
  });
  pass({ includeFailed: false });

  return {
    syncNow: () => {
      failures = 0;
      return pass({ includeFailed: true, manual: true });
    },
    refresh: publish,
    status: () => state,
  };
}
