/**
 * The tablet app (/entretiens/app): one page, routes in the hash.
 *   #/                      home: questionnaires to run, drafts, outbox, sent
 *   #/nouveau[/<id>]        start an interview (choose the questionnaire if several)
 *   #/entretien/<uuid>      an interview, at the step it was left: profile, consent, questions, review
 * Every change is saved to IndexedDB at once; « Terminer » moves the interview to the outbox.
 */
import { h, replaceChildren } from "../dom.js";
import { renderLocalLists } from "tablet/lists.js";
import { answerText, questionRows } from "tablet/review.js";
import { registerServiceWorker, renderStatus } from "tablet/status-badge.js";
import {
  deleteDraft,
  deviceId,
  getDefinition,
  getDraft,
  getMeta,
  keepDefinitions,
  moveToOutbox,
  purgeSentAnswers,
  saveDraft,
  setMeta,
} from "tablet/store.js";
import { ensureToken, startSync } from "tablet/sync.js";

const STEPS = [
  { id: "profile", label: "Profil" },
  { id: "consent", label: "Consentement" },
  { id: "questions", label: "Questions" },
  { id: "review", label: "Relecture" },
];

/** What the app holds while it runs, in one place: set by startApp and the screens. */
const app = {
  root: null, // the app's element
  study: null, // the slug of the study this page works for: its interviews, its token
  screen: null, // where each screen is drawn
  bootstrap: null, // the enquêteur, questionnaires and territory (network, else IndexedDB)
  sync: null, // the synchronisation loop
  form: null, // the form runtime's controller of the interview on screen
  listsContainer: null, // the home screen's local lists, redrawn after a sync
  lastReceipt: null, // the receipt code of the interview just finished, shown once on the home
};

export async function startApp(root) {
  app.root = root;
  app.screen = root.querySelector("#ecran");
  app.study = root.dataset.study;
  const section = root.querySelector("#etat-synchronisation");
  // Answers of interviews sent more than the correction window ago leave the tablet.
  await purgeSentAnswers().catch(() => null);
  app.bootstrap = await loadBootstrap();
  app.sync = startSync({
    submissionsUrl: root.dataset.submissionsUrl,
    tokenUrl: root.dataset.tokenUrl,
    pageUrl: location.pathname,
    getCurrentUserId: () => app.bootstrap?.user?.id ?? null,
    currentStudy: app.study,
    onStatus: (status) => {
      renderStatus(section, status);
      if (!status.syncing && (location.hash || "#/") === "#/") refreshLists();
    },
  });
  section.querySelector('[data-role="sync-now"]').addEventListener("click", () => app.sync.syncNow());
  registerServiceWorker(section);
  if (app.bootstrap?.user && navigator.onLine) {
    // Once per user and study on this tablet, while the session is there: later syncs need no session.
    ensureToken({ userId: app.bootstrap.user.id, study: app.study, tokenUrl: root.dataset.tokenUrl, pageUrl: location.pathname }).catch(
      () => null,
    );
  }
  window.addEventListener("hashchange", route);
  route();
}

/**
 * The study's bootstrap from the network (the service worker falls back to its copy), else
 * IndexedDB, where each study's is kept apart.
 */
async function loadBootstrap() {
  const key = `bootstrap:${app.study}`;
  try {
    const response = await fetch(app.root.dataset.bootstrapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok && !response.redirected && (response.headers.get("Content-Type") || "").includes("json")) {
      const fresh = await response.json();
      await setMeta(key, fresh);
      await keepDefinitions(fresh.questionnaires);
      return fresh;
    }
  } catch {
    // offline without a service worker copy: IndexedDB below
  }
  const kept = (await getMeta(key)) || null;
  // Another study's page may have dropped this one's definitions since.
  if (kept) await keepDefinitions(kept.questionnaires);
  return kept;
}

function setScreen(title, ...children) {
  app.form?.destroy?.();
  app.form = null;
  document.title = `${title} · Consultation`;
  replaceChildren(app.screen, ...children);
  app.screen.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

async function route() {
  app.sync?.refresh();
  const parts = (location.hash.replace(/^#\/?/, "") || "").split("/").filter(Boolean);
  if (!app.bootstrap) return showNoBootstrap();
  if (parts[0] === "nouveau") return parts[1] ? startInterview(Number(parts[1])) : showChooser();
  if (parts[0] === "entretien" && parts[1]) return showInterview(parts[1]);
  return showHome();
}

function showNoBootstrap() {
  setScreen(
    "Entretien",
    h("h1", {}, "Application d'entretien"),
    h("p", { class: "flash flash-warning" },
      "Les questionnaires n'ont pas encore été téléchargés sur cette tablette. Connectez-vous une fois avec réseau, puis rouvrez cette page."),
  );
}

// --- home -------------------------------------------------------------------------------------


function refreshLists() {
  if (app.listsContainer?.isConnected) {
    renderLocalLists(app.listsContainer, { appUrl: location.pathname, bootstrap: app.bootstrap, onChange: () => app.sync.refresh() });
  }
}

function questionnaireTiles() {
  if (!app.bootstrap.questionnaires.length) {
    return h("p", { class: "muted" }, "Aucun questionnaire publié ne vous est affecté pour l'instant.");
  }
  return h("ul", { class: "tile-list" },
    app.bootstrap.questionnaires.map((entry) =>
      h("li", { class: "card" },
        h("strong", {}, entry.title),
        h("span", { class: "muted" }, `version ${entry.version}`),
        h("a", { class: "button big", href: `#/nouveau/${entry.questionnaire_id}` }, "Nouvel entretien"))));
}

// Crockford's base32 without I, L, O, U, as submissions/models.py: read aloud without ambiguity.
const RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** « 7K2M-QX9D-4TBE »: 60 random bits (32 letters: a byte's low 5 bits are uniform). */
export function newReceiptCode() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const raw = Array.from(bytes, (byte) => RECEIPT_ALPHABET[byte & 31]).join("");
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}`;
}

/** Shown once, after « Terminer »: the code the enquêteur copies onto the person's receipt. */
function receiptNotice() {
  const code = app.lastReceipt;
  app.lastReceipt = null;
  if (!code) return null;
  return h("section", { class: "flash flash-success receipt-notice", role: "status", "aria-labelledby": "recepisse-titre" },
    h("h2", { id: "recepisse-titre" }, "Entretien terminé : code de récépissé à remettre à la personne"),
    h("p", { class: "receipt-code" }, h("strong", { translate: "no" }, code)),
    h("p", {}, `Notez-le sur son récépissé. Avec ce code, elle peut voir, télécharger ou effacer ses réponses sur ${location.origin}/mes-reponses, sans donner son nom.`));
}

function showHome() {
  app.listsContainer = h("div", { id: "listes-locales" });
  setScreen(
    "Entretiens",
    receiptNotice(),
    h("div", { class: "page-title" },
      h("h1", {}, "Entretiens"),
      h("span", { class: "muted" }, `Compte : ${app.bootstrap.user.name}`)),
    h("h2", {}, "Questionnaires à mener"),
    questionnaireTiles(),
    app.listsContainer,
  );
  refreshLists();
}

function showChooser() {
  if (app.bootstrap.questionnaires.length === 1) {
    return startInterview(app.bootstrap.questionnaires[0].questionnaire_id);
  }
  setScreen("Nouvel entretien", h("h1", {}, "Nouvel entretien : quel questionnaire ?"), questionnaireTiles(),
    h("p", {}, h("a", { class: "button secondary", href: "#/" }, "Retour")));
}

async function startInterview(questionnaireId) {
  const entry = app.bootstrap.questionnaires.find((item) => item.questionnaire_id === questionnaireId);
  if (!entry) {
    setScreen("Nouvel entretien", h("p", { class: "flash flash-error" }, "Ce questionnaire n'est pas disponible sur cette tablette."),
      h("a", { class: "button secondary", href: "#/" }, "Retour"));
    return;
  }
  const now = new Date().toISOString();
  const draft = await saveDraft({
    uuid: crypto.randomUUID(),
    user_id: app.bootstrap.user.id,
    // Sent with this study's token, whichever study's page is open when it syncs.
    study: app.study,
    study_name: app.bootstrap.study?.name || "",
    questionnaire_id: entry.questionnaire_id,
    version: entry.version,
    title: entry.title,
    device_id: await deviceId(),
    started_at: now,
    completed_at: null,
    step: "profile",
    page_index: 0,
    profile: { public: "", age_band: "", sex: "", commune: "", quartier: "", place: "" },
    consent: { given: false, recorded_by: app.bootstrap.user.name, at: now, parental_required: false, parental_consent: false },
    answers: {},
  });
  location.replace(`#/entretien/${draft.uuid}`);
}

// --- one interview ----------------------------------------------------------------------------

async function showInterview(uuid) {
  const draft = await getDraft(uuid);
  if (!draft) {
    setScreen("Entretien", h("p", { class: "flash flash-warning" }, "Cet entretien n'est plus dans les brouillons : il a peut-être été terminé ou supprimé."),
      h("a", { class: "button secondary", href: "#/" }, "Retour aux entretiens"));
    return;
  }
  const entry = await getDefinition(draft.questionnaire_id, draft.version);
  if (!entry) {
    setScreen("Entretien", h("p", { class: "flash flash-error" }, "La version du questionnaire de cet entretien n'est plus sur la tablette. Reconnectez-vous avec réseau."),
      h("a", { class: "button secondary", href: "#/" }, "Retour aux entretiens"));
    return;
  }
  const view = { profile: showProfile, consent: showConsent, questions: showQuestions, review: showReview }[draft.step] || showProfile;
  view(draft, entry);
}

function stepper(current) {
  const index = STEPS.findIndex((step) => step.id === current);
  return h("ol", { class: "stepper", "aria-label": "Étapes de l'entretien" },
    STEPS.map((step, i) =>
      h("li", { class: i < index ? "done" : i === index ? "current" : "", "aria-current": i === index ? "step" : null },
        h("span", { class: "step-number" }, String(i + 1)), " ", h("span", { class: "step-label" }, step.label))));
}

function interviewHeader(draft, step) {
  return [
    h("div", { class: "page-title" },
      h("h1", {}, draft.correction ? `Correction · ${draft.title}` : draft.title),
      // Together, so that « Enregistré » appearing does not push the button to another line.
      h("div", { class: "title-actions" },
        // Everything shown was read from the tablet: it is saved until a change says otherwise.
        h("span", { class: "save-status muted", role: "status" }, "Enregistré sur la tablette"),
        h("a", { class: "button secondary", href: "#/" }, "Enregistrer et quitter"))),
    stepper(step),
  ];
}

async function goToStep(draft, step, extra = {}) {
  const saved = await saveDraft({ ...draft, ...extra, step });
  showInterview(saved.uuid);
}

/** Autosave: every change is written at once, in order. */
function autosaver(initial) {
  let draft = initial;
  let queue = Promise.resolve();
  const shown = (text, failed = false) => {
    const status = app.screen.querySelector(".save-status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", failed);
  };
  return {
    get: () => draft,
    update(changes) {
      draft = { ...draft, ...changes };
      const snapshot = draft;
      queue = queue
        .then(() => saveDraft(snapshot))
        .then(() => shown("Enregistré sur la tablette"))
        .catch(() => shown("Enregistrement impossible sur cette tablette : ne fermez pas la page.", true));
      return queue;
    },
    flush: () => queue,
  };
}

// Profile

function radioTiles({ name, legend, options, value, required, hint, onChange }) {
  const hintId = hint ? `${name}-aide` : null;
  return h("fieldset", { class: "tiles", id: `champ-${name}`, "aria-describedby": hintId },
    h("legend", {}, legend, required ? null : h("span", { class: "muted" }, " (facultatif)")),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("div", { class: "tile-grid" },
      options.map((option) =>
        h("label", { class: "tile" },
          h("input", { type: "radio", name, id: `${name}-${option.value || "vide"}`, value: option.value, checked: option.value === value, required: required || null,
            onchange: (event) => onChange(event.target.value) }),
          h("span", {}, option.label)))),
    h("p", { class: "error", id: `${name}-erreur`, hidden: true }));
}

/** Shows or clears a field's error, tied to the field: aria-invalid on its controls and the
 * error's id in their aria-describedby (the fieldset's, for a group of radio tiles). */
function showFieldError(container, name, message) {
  const error = container.querySelector(`#${name}-erreur`);
  if (!error) return;
  error.textContent = message || "";
  error.hidden = !message;
  const field = container.querySelector(`#champ-${name}`);
  if (!field) return;
  field.classList.toggle("field-error", Boolean(message));
  const described = field.matches("fieldset") ? [field] : [...field.querySelectorAll("input, select")];
  for (const element of described) {
    const ids = (element.getAttribute("aria-describedby") || "").split(/\s+/).filter((id) => id && id !== error.id);
    if (message) ids.push(error.id);
    if (ids.length) element.setAttribute("aria-describedby", ids.join(" "));
    else element.removeAttribute("aria-describedby");
  }
  for (const control of field.querySelectorAll("input, select")) {
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
}

/** The list of a form's errors, each a link to its field, in a live region above the form. */
function showErrorSummary(summary, errors, labels) {
  const names = Object.keys(errors);
  summary.hidden = !names.length;
  replaceChildren(summary, names.length
    ? [h("h3", { id: "profil-erreurs-titre" }, "À compléter avant de continuer :"),
       h("ul", {}, names.map((name) => h("li", { dataset: { field: name } }, h("a", { href: `#${labels[name]}`, onclick: (event) => {
         event.preventDefault();
         document.getElementById(labels[name])?.focus();
       } }, errors[name]))))]
    : []);
}

/** The age bands a public offers, in the server's order (all the publics' when none is chosen). */
export function offeredAgeBands(options, publicValue) {
  const byPublic = options.age_bands_by_public || {};
  const wanted = publicValue ? byPublic[publicValue] || [] : Object.values(byPublic).flat();
  return options.age_bands.filter((option) => wanted.includes(option.value));
}

export function profileErrors(profile, communes) {
  const errors = {};
  if (!profile.public) errors.public = "Indiquez le public de la personne interrogée.";
  if (!profile.age_band) errors.age_band = "Indiquez la tranche d'âge.";
  if (communes.length && !profile.commune) errors.commune = "Choisissez la commune où vit la personne.";
  if (!profile.place.trim()) errors.place = "Indiquez le lieu de l'entretien.";
  return errors;
}

function showProfile(initial) {
  const save = autosaver(initial);
  const options = app.bootstrap.profile_options;
  const communes = app.bootstrap.territory.communes;
  const profile = () => save.get().profile;
  const setProfile = (changes) => save.update({ profile: { ...profile(), ...changes } });

  const warning = h("p", { class: "flash flash-warning", hidden: true, role: "status" });
  // Only the bands of the chosen public (every band of the publics before one is chosen).
  const ageBandHost = h("div", {});
  const renderAgeBands = () => replaceChildren(ageBandHost,
    radioTiles({ name: "age_band", legend: "Tranche d'âge", options: offeredAgeBands(options, profile().public), value: profile().age_band, required: true,
      hint: profile().public ? null : "Choisissez d'abord le public : chacun a ses tranches d'âge.",
      onChange: (value) => { setProfile({ age_band: value }); checkCoherence(); } }));
  renderAgeBands();
  const checkCoherence = () => {
    const allowed = options.age_bands_by_public[profile().public] || [];
    const odd = profile().public && profile().age_band && !allowed.includes(profile().age_band);
    warning.hidden = !odd;
    warning.textContent = odd ? "Cette tranche d'âge est inhabituelle pour ce public : vérifiez avant de continuer." : "";
  };

  const quartierSelect = h("select", { id: "quartier", name: "quartier" });
  const fillQuartiers = () => {
    const commune = communes.find((entry) => entry.code === profile().commune);
    const quartiers = commune?.quartiers || [];
    replaceChildren(quartierSelect,
      h("option", { value: "" }, !commune ? "— Choisissez d'abord la commune —" : quartiers.length ? "— Non précisé —" : "— Aucun quartier pour cette commune —"),
      quartiers.map((quartier) => h("option", { value: String(quartier.id), selected: String(quartier.id) === String(profile().quartier) }, quartier.name)));
    quartierSelect.disabled = !quartiers.length;
  };
  quartierSelect.addEventListener("change", () => setProfile({ quartier: quartierSelect.value }));

  const communeSelect = h("select", { id: "commune", name: "commune", required: true,
    onchange: () => {
      setProfile({ commune: communeSelect.value, quartier: "" });
      fillQuartiers();
    } },
    h("option", { value: "" }, "— Choisir —"),
    communes.map((commune) => h("option", { value: commune.code, selected: commune.code === profile().commune }, commune.name)));
  fillQuartiers();

  const placeInput = h("input", { type: "text", id: "lieu", name: "lieu", value: profile().place, autocomplete: "off",
    required: true, "aria-describedby": "lieux-habituels", oninput: () => setProfile({ place: placeInput.value }) });
  // One tap for the usual places (a datalist pops over the buttons on tablets).
  const placeChips = h("div", { class: "chips", id: "lieux-habituels", role: "group", "aria-label": "Lieux habituels" },
    options.usual_places.map((place) =>
      h("button", { type: "button", class: "chip", onclick: () => {
        placeInput.value = place;
        setProfile({ place });
        clearFieldError("place");
      } }, place)));

  // Announced as soon as it is filled (role=alert), each error linking to its field.
  const errorSummary = h("div", { class: "flash flash-error error-summary", role: "alert", "aria-labelledby": "profil-erreurs-titre", hidden: true });
  const form = h("form", { class: "profile-form", novalidate: true, "aria-label": "Profil de la personne interrogée" },
    errorSummary,
    radioTiles({ name: "public", legend: "Public", options: options.publics, value: profile().public, required: true,
      onChange: (value) => {
        // A band the new public does not offer is dropped: the person is asked again.
        const kept = offeredAgeBands(options, value).some((option) => option.value === profile().age_band);
        setProfile(kept ? { public: value } : { public: value, age_band: "" });
        renderAgeBands();
        checkCoherence();
      } }),
    ageBandHost,
    warning,
    radioTiles({ name: "sex", legend: "Sexe", options: options.sexes.filter((option) => option.value !== ""), value: profile().sex, required: false,
      onChange: (value) => setProfile({ sex: value }) }),
    communes.length
      ? h("div", { class: "field-pair" },
          h("div", { class: "field", id: "champ-commune" },
            h("label", { for: "commune" }, "Commune de résidence"), communeSelect,
            h("p", { class: "error", id: "commune-erreur", hidden: true })),
          h("div", { class: "field" }, h("label", { for: "quartier" }, "Quartier", h("span", { class: "muted" }, " (facultatif)")), quartierSelect))
      : null,
    h("div", { class: "field", id: "champ-place" },
      h("label", { for: "lieu" }, "Lieu de l'entretien"),
      placeInput,
      placeChips,
      h("p", { class: "error", id: "place-erreur", hidden: true })),
    h("div", { class: "nav-buttons" },
      h("button", { type: "button", class: "button secondary big", onclick: () => abandon(save.get()) }, "Abandonner"),
      h("button", { type: "submit", class: "button big" }, "Suivant : consentement")),
  );
  // An error goes away as soon as its field is answered.
  // An answered field leaves the summary too (a removal the live region does not read out).
  const clearFieldError = (name) => {
    showFieldError(form, name, null);
    errorSummary.querySelector(`li[data-field="${name}"]`)?.remove();
    if (!errorSummary.querySelector("li")) errorSummary.hidden = true;
  };
  const clearError = (event) => {
    const field = event.target.closest('[id^="champ-"]');
    if (field) clearFieldError(field.id.slice("champ-".length));
  };
  form.addEventListener("change", clearError);
  form.addEventListener("input", clearError);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errors = profileErrors(profile(), communes);
    for (const name of ["public", "age_band", "commune", "place"]) showFieldError(form, name, errors[name]);
    const firstRadio = (name) => form.querySelector(`input[name="${name}"]`)?.id;
    showErrorSummary(errorSummary, errors, { public: firstRadio("public"), age_band: firstRadio("age_band"), commune: "commune", place: "lieu" });
    if (Object.keys(errors).length) {
      form.querySelector(".field-error input, .field-error select")?.focus();
      return;
    }
    await save.flush();
    const needsParent = options.parental_consent_age_bands.includes(profile().age_band);
    const draft = save.get();
    goToStep(draft, "consent", { consent: { ...draft.consent, parental_required: needsParent, parental_consent: needsParent ? draft.consent.parental_consent : false } });
  });
  setScreen(`Profil · ${initial.title}`, ...interviewHeader(initial, "profile"),
    h("h2", {}, "Qui répond ?"),
    h("p", { class: "muted" }, "Le profil est enregistré à part des réponses : il sert aux tableaux par public et par territoire."),
    form);
  checkCoherence();
}

async function abandon(draft) {
  const question = draft.correction
    ? "Abandonner cette correction ? L'entretien reste tel qu'il a été envoyé."
    : "Abandonner cet entretien ? Ce qui a été saisi sera supprimé de la tablette.";
  if (!confirm(question)) return;
  await deleteDraft(draft.uuid);
  location.hash = "#/";
}

// Consent

function toLocalInput(iso) {
  const date = iso ? new Date(iso) : new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The study's RGPD notice, written by its chargé d'étude: shown as text, never as markup. */
function rgpdNotice(study) {
  const notice = study?.notice || [];
  return h("section", { class: "rgpd-notice", "aria-labelledby": "notice-rgpd-titre" },
    h("h3", { id: "notice-rgpd-titre" }, "Notice d'information (RGPD)"),
    notice.length
      ? h("dl", {}, notice.map((item) => [h("dt", {}, item.heading), h("dd", {}, item.text)]))
      : h("p", { class: "flash flash-warning" }, "La notice RGPD de l'étude n'est pas rédigée : prévenez le chargé d'étude avant de recueillir des réponses."));
}

// For a bootstrap downloaded before the server composed the words from the study's notice.
const FALLBACK_CONSENT_TEXT = "Cet entretien est mené pour l'analyse des besoins sociaux de votre territoire. Je ne note pas votre nom ; je note votre commune ou votre quartier, votre tranche d'âge, votre sexe si vous voulez le dire, et vos réponses, qui sont pseudonymisées pour l'analyse et lues en entier par l'équipe de l'étude seulement (voir la notice ci-dessous). À la fin, je vous remets un code de récépissé pour voir, télécharger ou effacer vos réponses. Vous pouvez refuser de répondre à une question ou arrêter à tout moment. Acceptez-vous de participer ?";

function showConsent(initial) {
  const save = autosaver(initial);
  const consent = () => save.get().consent;
  const setConsent = (changes) => save.update({ consent: { ...consent(), ...changes } });
  const parental = consent().parental_required;

  const given = h("input", { type: "checkbox", id: "consentement", checked: consent().given, onchange: () => setConsent({ given: given.checked }) });
  const parentalBox = h("input", { type: "checkbox", id: "consentement-parental", checked: consent().parental_consent,
    onchange: () => setConsent({ parental_consent: parentalBox.checked }) });
  const recordedBy = h("input", { type: "text", id: "recueilli-par", value: consent().recorded_by, required: true,
    oninput: () => setConsent({ recorded_by: recordedBy.value }) });
  const at = h("input", { type: "datetime-local", id: "recueilli-le", value: toLocalInput(consent().at), required: true,
    onchange: () => at.value && setConsent({ at: new Date(at.value).toISOString() }) });
  const errorBox = h("div", { class: "flash flash-error", role: "alert", hidden: true });

  const form = h("form", { class: "consent-form", novalidate: true },
    h("div", { class: "consent-text" },
      h("p", {}, `À lire à la personne : « ${app.bootstrap?.study?.consent_text || FALLBACK_CONSENT_TEXT} »`)),
    rgpdNotice(app.bootstrap?.study),
    h("label", { class: "check-tile", for: "consentement" }, given, h("span", {}, "La personne a donné son consentement oral")),
    parental
      ? h("label", { class: "check-tile", for: "consentement-parental" }, parentalBox,
          h("span", {}, "Un parent ou responsable légal a donné son accord (personne de moins de 15 ans)"))
      : null,
    h("div", { class: "field-pair" },
      h("div", { class: "field" }, h("label", { for: "recueilli-par" }, "Consentement recueilli par"), recordedBy),
      h("div", { class: "field" }, h("label", { for: "recueilli-le" }, "Date et heure du recueil"), at)),
    errorBox,
    h("div", { class: "nav-buttons" },
      h("button", { type: "button", class: "button secondary big", onclick: async () => { await save.flush(); goToStep(save.get(), "profile"); } }, "Précédent"),
      h("button", { type: "submit", class: "button big" }, "Commencer le questionnaire")),
  );
  form.addEventListener("change", () => {
    errorBox.hidden = true;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = [];
    if (!consent().given) problems.push("Sans consentement oral, l'entretien ne peut pas avoir lieu : abandonnez-le s'il est refusé.");
    if (parental && !consent().parental_consent) problems.push("Pour une personne de moins de 15 ans, l'accord d'un parent est obligatoire.");
    if (!consent().recorded_by.trim()) problems.push("Indiquez qui a recueilli le consentement.");
    if (!at.value) problems.push("Indiquez la date et l'heure du recueil.");
    replaceChildren(errorBox, problems.length ? h("ul", {}, problems.map((problem) => h("li", {}, problem))) : null);
    errorBox.hidden = !problems.length;
    if (problems.length) return;
    if (!consent().at) setConsent({ at: new Date(at.value).toISOString() });
    await save.flush();
    goToStep(save.get(), "questions", { page_index: 0 });
  });
  setScreen(`Consentement · ${initial.title}`, ...interviewHeader(initial, "consent"), h("h2", {}, "Consentement"), form);
}

// Questions

async function showQuestions(initial, entry) {
  const save = autosaver(initial);
  const host = h("div", { class: "form-host" });
  // Disabled until the runtime is mounted: a tap before that would be lost.
  const previous = h("button", { type: "button", class: "button secondary big", disabled: true }, "Précédent");
  const next = h("button", { type: "button", class: "button big", disabled: true }, "Suivant");
  setScreen(`Questions · ${initial.title}`, ...interviewHeader(initial, "questions"), host,
    h("div", { class: "nav-buttons" }, previous, next));

  let runtime;
  try {
    runtime = await import("form-runtime");
  } catch {
    replaceChildren(host, h("p", { class: "flash flash-error" }, "Le moteur de formulaire n'a pas pu être chargé : rechargez la page avec réseau."));
    return;
  }
  const form = runtime.mountForm(host, entry.definition, {
    language: entry.definition.default_language || "fr",
    answers: initial.answers || {},
    mode: "pages",
    navigation: false,
    onChange: (answers, state) => {
      save.update({ answers: structuredClone(answers), page_index: state?.pageIndex ?? 0 });
    },
  });
  app.form = form;
  const showPage = () => {
    const count = form.pageCount || 1;
    next.textContent = form.pageIndex >= count - 1 ? "Suivant : relecture" : "Suivant";
    save.update({ page_index: form.pageIndex });
    window.scrollTo(0, 0);
  };
  if (initial.page_index && initial.page_index < (form.pageCount || 1)) form.goTo(initial.page_index);
  showPage();
  previous.disabled = false;
  next.disabled = false;

  // The runtime skips pages that are not relevant: no page before or after means leaving the step.
  previous.addEventListener("click", async () => {
    if (form.previous()) {
      showPage();
      return;
    }
    await save.flush();
    goToStep({ ...save.get(), answers: form.getAnswers() }, "consent");
  });
  next.addEventListener("click", async () => {
    if (form.validatePage().length) return;
    if (form.next()) {
      showPage();
      return;
    }
    await save.flush();
    goToStep({ ...save.get(), answers: form.getAnswers() }, "review");
  });
}

// Review

function showReview(initial, entry) {
  const options = app.bootstrap.profile_options;
  const profile = initial.profile;
  const commune = app.bootstrap.territory.communes.find((item) => item.code === profile.commune);
  const quartier = commune?.quartiers.find((item) => String(item.id) === String(profile.quartier));
  const label = (list, value) => list.find((option) => option.value === value)?.label || "—";
  const rows = (pairs) => h("dl", { class: "review-list" }, pairs.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value || "—")]));
  const consent = initial.consent;

  const correction = Boolean(initial.correction);
  const finish = h("button", { type: "button", class: "button big" }, correction ? "Envoyer la correction" : "Terminer");
  finish.addEventListener("click", async () => {
    finish.disabled = true;
    // Drawn here, offline: the person leaves with it. A corrected interview keeps its first one.
    const receipt = initial.receipt_code || newReceiptCode();
    // A correction keeps the interview's own dates: the server keeps the first ones anyway.
    const completedAt = correction && initial.completed_at ? initial.completed_at : new Date().toISOString();
    await moveToOutbox({ ...initial, receipt_code: receipt, completed_at: completedAt });
    // The receipt was handed over at the first « Terminer »: not shown again for a correction.
    app.lastReceipt = correction ? null : receipt;
    await app.sync.refresh();
    location.hash = "#/";
    app.sync.syncNow();
  });
  setScreen(`Relecture · ${initial.title}`, ...interviewHeader(initial, "review"),
    h("h2", {}, correction ? "Relecture de la correction" : "Relecture avant envoi"),
    correction
      ? h("p", { class: "flash" },
          "Cet entretien a déjà été envoyé. Corrigez ce qui doit l'être, puis envoyez la correction : le serveur remplace les réponses et garde l'ancienne version dans l'historique. Si la chargée d'étude l'a modifié ou validé entre-temps, la correction sera refusée et l'entretien restera tel qu'elle l'a.")
      : null,
    h("section", { class: "review-block" },
      h("div", { class: "review-head" }, h("h3", {}, "Profil"),
        h("button", { type: "button", class: "button secondary", onclick: () => goToStep(initial, "profile") }, "Modifier le profil")),
      rows([
        ["Public", label(options.publics, profile.public)],
        ["Tranche d'âge", label(options.age_bands, profile.age_band)],
        ["Sexe", profile.sex ? label(options.sexes, profile.sex) : "Non renseigné"],
        ["Commune", commune?.name],
        ["Quartier", quartier?.name || "Non précisé"],
        ["Lieu de l'entretien", profile.place],
      ])),
    h("section", { class: "review-block" },
      h("div", { class: "review-head" }, h("h3", {}, "Consentement"),
        h("button", { type: "button", class: "button secondary", onclick: () => goToStep(initial, "consent") }, "Modifier")),
      rows([
        ["Consentement oral", consent.given ? "Donné" : "Non donné"],
        consent.parental_required ? ["Accord parental", consent.parental_consent ? "Donné" : "Non donné"] : null,
        ["Recueilli par", consent.recorded_by],
        ["Le", consent.at ? new Date(consent.at).toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short" }) : ""],
      ].filter(Boolean))),
    h("section", { class: "review-block" },
      h("div", { class: "review-head" }, h("h3", {}, "Réponses"),
        h("button", { type: "button", class: "button secondary", onclick: () => goToStep(initial, "questions", { page_index: 0 }) }, "Modifier les réponses")),
      rows(questionRows(entry.definition, initial.answers).map((row) => [row.label, answerText(row)]))),
    h("div", { class: "nav-buttons" },
      h("button", { type: "button", class: "button secondary big", onclick: () => goToStep(initial, "questions") }, "Précédent"),
      finish),
  );
}
