/**
 * What the tablet keeps in IndexedDB, so that nothing typed is lost when the network, the page or
 * the battery goes away.
 *
 * Stores
 *   drafts       interviews in progress, saved on every change (key: uuid)
 *   outbox       completed interviews waiting to be sent (key: uuid); each remembers its study, so
 *                that it is sent with that study's token whichever study's page is open
 *   sent         interviews the server acknowledged (key: uuid); their answers are kept only
 *                for the correction window (CORRECTION_DAYS after the first send), then purged
 *   definitions  questionnaire versions, kept while an interview may need them (key: "id:version")
 *   meta         device id, device tokens per user and study, last sync, last bootstrap per study
 *                (key: name)
 */
import { openDB } from "idb";

const DATABASE = "consultation-tablette";
const SCHEMA_VERSION = 1;
const SENT_KEPT = 200;
// An interview sent may be corrected from the tablet for this many days; its answers, consent and
// place are kept on the tablet that long only (personal data), then purged from the « envoyés »
// list, which keeps the title, the coarse profile shown in the list and the receipt code.
export const CORRECTION_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

let databasePromise = null;

export function database() {
  if (!databasePromise) {
    databasePromise = openDB(DATABASE, SCHEMA_VERSION, {
      upgrade(db) {
        db.createObjectStore("drafts", { keyPath: "uuid" });
        db.createObjectStore("outbox", { keyPath: "uuid" });
        db.createObjectStore("sent", { keyPath: "uuid" });
        db.createObjectStore("definitions", { keyPath: "key" });
        db.createObjectStore("meta");
      },
    });
  }
  return databasePromise;
}

// --- meta -------------------------------------------------------------------------------------

export async function getMeta(name) {
  return (await database()).get("meta", name);
}

export async function setMeta(name, value) {
  return (await database()).put("meta", value, name);
}

export async function deleteMeta(name) {
  return (await database()).delete("meta", name);
}

/** One id per browser profile, made once: the server sees which tablet sent what. */
export async function deviceId() {
  const db = await database();
  const tx = db.transaction("meta", "readwrite");
  let id = await tx.store.get("device_id");
  if (!id) {
    id = crypto.randomUUID();
    await tx.store.put(id, "device_id");
  }
  await tx.done;
  return id;
}

/**
 * Device tokens are kept per user AND study: a token opens one study only, and the same person
 * may run interviews for several studies on one tablet. `study` null reads the token kept before
 * tokens were per study (it was issued for the study the tablet worked in then).
 */
const tokenKey = (userId, study) => (study ? `token:${userId}:${study}` : `token:${userId}`);

export async function tokenFor(userId, study) {
  return getMeta(tokenKey(userId, study));
}

export async function saveToken(userId, study, token) {
  return setMeta(tokenKey(userId, study), token);
}

export async function forgetToken(userId, study) {
  return (await database()).delete("meta", tokenKey(userId, study));
}

// --- definitions ------------------------------------------------------------------------------

export function definitionKey(questionnaireId, version) {
  return `${questionnaireId}:${version}`;
}

/** Keeps the versions of the bootstrap, and drops those no interview needs any more. */
export async function keepDefinitions(questionnaires) {
  const db = await database();
  const tx = db.transaction(["definitions", "drafts", "outbox", "sent"], "readwrite");
  const wanted = new Set();
  for (const entry of questionnaires) {
    const key = definitionKey(entry.questionnaire_id, entry.version);
    wanted.add(key);
    await tx.objectStore("definitions").put({ ...entry, key });
  }
  for (const storeName of ["drafts", "outbox"]) {
    for (const item of await tx.objectStore(storeName).getAll()) {
      wanted.add(definitionKey(item.questionnaire_id, item.version));
    }
  }
  // A sent interview that may still be corrected needs its version.
  for (const item of await tx.objectStore("sent").getAll()) {
    if (item.answers) wanted.add(definitionKey(item.questionnaire_id, item.version));
  }
  for (const key of await tx.objectStore("definitions").getAllKeys()) {
    if (!wanted.has(key)) await tx.objectStore("definitions").delete(key);
  }
  await tx.done;
}

export async function getDefinition(questionnaireId, version) {
  return (await database()).get("definitions", definitionKey(questionnaireId, version));
}

// --- drafts, outbox, sent ---------------------------------------------------------------------

const byRecent = (field) => (a, b) => String(b[field] || "").localeCompare(String(a[field] || ""));

export async function saveDraft(draft) {
  const record = { ...draft, updated_at: new Date().toISOString() };
  await (await database()).put("drafts", record);
  return record;
}

export async function getDraft(uuid) {
  return (await database()).get("drafts", uuid);
}

export async function deleteDraft(uuid) {
  return (await database()).delete("drafts", uuid);
}

export async function listDrafts() {
  return (await (await database()).getAll("drafts")).sort(byRecent("updated_at"));
}

/** Moves a draft to the outbox in one transaction: it is in exactly one of the two. */
export async function moveToOutbox(draft) {
  const db = await database();
  const tx = db.transaction(["drafts", "outbox"], "readwrite");
  const item = {
    ...draft,
    completed_at: draft.completed_at || new Date().toISOString(),
    status: "en_attente",
    error: null,
    attempts: 0,
  };
  await tx.objectStore("outbox").put(item);
  await tx.objectStore("drafts").delete(draft.uuid);
  await tx.done;
  return item;
}

/** A refused interview goes back to the drafts to be corrected; it keeps its uuid. */
export async function moveBackToDrafts(uuid) {
  const db = await database();
  const tx = db.transaction(["drafts", "outbox"], "readwrite");
  const item = await tx.objectStore("outbox").get(uuid);
  if (item) {
    const { status, error, attempts, ...draft } = item;
    await tx.objectStore("drafts").put({ ...draft, completed_at: null, step: "review", updated_at: new Date().toISOString() });
    await tx.objectStore("outbox").delete(uuid);
  }
  await tx.done;
  return item;
}

export async function listOutbox() {
  return (await (await database()).getAll("outbox")).sort(
    (a, b) => String(a.completed_at).localeCompare(String(b.completed_at)),
  );
}

export async function updateOutboxItem(item) {
  return (await database()).put("outbox", item);
}

/**
 * The server has it: out of the outbox, into the « envoyés » list (the oldest are forgotten).
 * `acknowledged` is the server's answer: its content hash is what a correction sends back in
 * `corrects`. A correction keeps the date of the first send, which opens the correction window.
 */
export async function markSent(uuid, httpStatus, acknowledged = {}) {
  const db = await database();
  const tx = db.transaction(["outbox", "sent"], "readwrite");
  const item = await tx.objectStore("outbox").get(uuid);
  if (item) {
    const previous = await tx.objectStore("sent").get(uuid);
    const now = new Date().toISOString();
    const { corrects, correction, ...kept } = item;
    await tx.objectStore("sent").put({
      ...kept,
      status: correction ? "corrige" : "envoye",
      error: null,
      correction_error: null,
      http_status: httpStatus,
      content_hash: acknowledged.content_hash || null,
      sent_at: correction && previous ? previous.sent_at : now,
      corrected_at: correction ? now : previous?.corrected_at || null,
    });
    await tx.objectStore("outbox").delete(uuid);
  }
  const sent = (await tx.objectStore("sent").getAll()).sort(byRecent("sent_at"));
  for (const old of sent.slice(SENT_KEPT)) await tx.objectStore("sent").delete(old.uuid);
  await tx.done;
}

/**
 * A correction the server refused for good (another's, changed since, closed): out of the
 * outbox, and the reason on the sent interview, which keeps the content the server has.
 */
export async function markCorrectionRefused(uuid, error) {
  const db = await database();
  const tx = db.transaction(["outbox", "sent"], "readwrite");
  const sentItem = await tx.objectStore("sent").get(uuid);
  if (sentItem) await tx.objectStore("sent").put({ ...sentItem, correction_error: error });
  await tx.objectStore("outbox").delete(uuid);
  await tx.done;
}

/** Still within the correction window, with its answers and the server's content hash. */
export function correctable(item, now = Date.now()) {
  return Boolean(item.answers && item.content_hash && now - Date.parse(item.sent_at) < CORRECTION_DAYS * DAY_MS);
}

/**
 * Reopens a sent interview as a draft to correct, at its review step; the sent copy stays as it
 * is until the server acknowledges the correction.
 */
export async function reopenForCorrection(uuid) {
  const db = await database();
  const tx = db.transaction(["drafts", "sent"], "readwrite");
  const sentItem = await tx.objectStore("sent").get(uuid);
  if (!sentItem || !correctable(sentItem)) {
    await tx.done;
    return null;
  }
  let draft = await tx.objectStore("drafts").get(uuid);
  if (!draft) {
    const { status, error, correction_error, http_status, content_hash, sent_at, corrected_at, ...kept } = sentItem;
    draft = { ...kept, correction: true, corrects: content_hash, step: "review", page_index: 0, updated_at: new Date().toISOString() };
    await tx.objectStore("drafts").put(draft);
  }
  await tx.done;
  return draft;
}

/** After the correction window, a sent interview keeps only what the list shows. */
export async function purgeSentAnswers(now = Date.now()) {
  const db = await database();
  const tx = db.transaction("sent", "readwrite");
  for (const item of await tx.store.getAll()) {
    if (!item.answers || now - Date.parse(item.sent_at) < CORRECTION_DAYS * DAY_MS) continue;
    const { answers, consent, content_hash, ...kept } = item;
    const profile = item.profile || {};
    await tx.store.put({ ...kept, profile: { public: profile.public, age_band: profile.age_band, commune: profile.commune }, purged: true });
  }
  await tx.done;
}

export async function listSent() {
  return (await (await database()).getAll("sent")).sort(byRecent("sent_at"));
}

export async function counts() {
  const db = await database();
  return {
    drafts: await db.count("drafts"),
    outbox: await db.count("outbox"),
    sent: await db.count("sent"),
  };
}
