/**
 * What the tablet keeps in IndexedDB, so that nothing typed is lost when the network, the page or
 * the battery goes away.
 *
 * Stores
 *   drafts       interviews in progress, saved on every change (key: uuid)
 *   outbox       completed interviews waiting to be sent (key: uuid); each remembers its study, so
 *                that it is sent with that study's token whichever study's page is open
 *   sent         interviews the server acknowledged (key: uuid)
 *   definitions  questionnaire versions, kept while an interview may need them (key: "id:version")
 *   meta         device id, device tokens per user and study, last sync, last bootstrap per study
 *                (key: name)
 */
import { openDB } from "idb";

const DATABASE = "consultation-tablette";
const SCHEMA_VERSION = 1;
const SENT_KEPT = 200;

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
  const tx = db.transaction(["definitions", "drafts", "outbox"], "readwrite");
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

/** The server has it: out of the outbox, into the « envoyés » list (the oldest are forgotten). */
export async function markSent(uuid, httpStatus) {
  const db = await database();
  const tx = db.transaction(["outbox", "sent"], "readwrite");
  const item = await tx.objectStore("outbox").get(uuid);
  if (item) {
    await tx.objectStore("sent").put({
      ...item,
      status: "envoye",
      error: null,
      http_status: httpStatus,
      sent_at: new Date().toISOString(),
    });
    await tx.objectStore("outbox").delete(uuid);
  }
  const sent = (await tx.objectStore("sent").getAll()).sort(byRecent("sent_at"));
  for (const old of sent.slice(SENT_KEPT)) await tx.objectStore("sent").delete(old.uuid);
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
