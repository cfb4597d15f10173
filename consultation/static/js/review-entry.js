// Back office entry of answers: corrections of a submission and paper questionnaires typed in.
// The questionnaire is rendered by the shared form runtime; the server validates again and
// answers 422 with errors by field path, shown here in one list.
import { h } from "./dom.js";
import { mountForm } from "./form-runtime.js";

const form = document.getElementById("entry-form");
const errorBox = document.getElementById("entry-errors");
const definition = JSON.parse(document.getElementById("entry-definition").textContent);
const startingAnswers = JSON.parse(document.getElementById("entry-answers").textContent) || {};
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

// The whole questionnaire on one page: whoever types in a paper form follows the sheet, not pages.
const controller = mountForm(document.getElementById("questionnaire-form"), definition, {
  language: document.documentElement.lang || "fr",
  answers: startingAnswers,
  mode: "single",
  navigation: false,
});

function profileAndConsent() {
  const value = (name) => form.elements[name]?.value ?? "";
  const quartier = value("profile.quartier");
  return {
    profile: {
      public: value("profile.public"),
      age_band: value("profile.age_band"),
      sex: value("profile.sex"),
      commune: value("profile.commune") || null,
      quartier: quartier ? Number(quartier) : null,
      place: value("profile.place"),
    },
    consent: {
      given: form.elements["consent.given"].checked,
      parental_consent: form.elements["consent.parental_consent"].checked || null,
      recorded_by: value("consent.recorded_by"),
      at: null,  // the date on the paper form is not known here
    },
    // Written on the printed questionnaire and handed to the person: their key to their answers.
    receipt_code: value("receipt_code").trim() || null,
  };
}

// Errors come by field path ("answers.age", "answers.menage[0]/lien", "profile.public"); the
// person typing knows the questions by their labels.
const PROFILE_LABELS = {
  "profile.public": "Public",
  "profile.age_band": "Tranche d'âge",
  "profile.sex": "Sexe",
  "profile.commune": "Commune",
  "profile.quartier": "Quartier",
  "profile.place": "Lieu de passation",
  "consent.given": "Consentement",
  "consent.parental_consent": "Consentement parental",
  "consent.recorded_by": "Consentement recueilli par",
  receipt_code: "Code de récépissé",
};

function questionLabels(nodes, labels = {}) {
  for (const node of nodes || []) {
    const label = node.label?.fr ?? Object.values(node.label || {})[0];
    if (node.name) labels[node.name] = label || node.name;
    if (node.children) questionLabels(node.children, labels);
  }
  return labels;
}

const labels = questionLabels(definition.children);

function pathLabel(path) {
  if (PROFILE_LABELS[path]) return PROFILE_LABELS[path];
  if (!path.startsWith("answers.")) return path;
  return path
    .slice("answers.".length)
    .split("/")
    .map((part) => {
      const [, name, index] = part.match(/^([^[]+)(?:\[(\d+)\])?$/) || [null, part, undefined];
      return index === undefined ? labels[name] || name : `${labels[name] || name} n° ${Number(index) + 1}`;
    })
    .join(" › ");
}

function showErrors(message, errors) {
  errorBox.replaceChildren();
  errorBox.className = "flash flash-error";
  errorBox.append(h("p", {}, message));
  const list = h("ul");
  for (const [path, messages] of Object.entries(errors || {})) {
    for (const text of messages) {
      list.append(h("li", {}, path && path !== "_schema" ? `${pathLabel(path)} : ${text}` : text));
    }
  }
  if (list.childElementCount) errorBox.append(list);
  errorBox.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problems = controller.validate();
  const byPath = {};
  if (form.dataset.mode === "paper" && !form.elements["profile.public"].value) {
    byPath["profile.public"] = ["Indiquez le public de la personne interrogée."];
  }
  for (const problem of problems) (byPath[`answers.${problem.path}`] ||= []).push(problem.message);
  if (Object.keys(byPath).length) {
    showErrors("Corrigez les réponses signalées avant d'enregistrer.", byPath);
    return;
  }
  const answers = controller.getAnswers();
  const body = form.dataset.mode === "paper"
    ? { uuid: form.dataset.uuid, answers, ...profileAndConsent() }
    : { answers, comment: form.elements.comment.value, version: form.dataset.version };
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const response = await fetch(form.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const result = await response.json().catch(() => ({ message: "Réponse illisible du serveur." }));
    if (response.ok) {
      window.location.assign(result.redirect);
      return;
    }
    // Changed meanwhile: what was typed stays in the form, and saving again replaces the
    // current answers knowingly.
    if (response.status === 409 && result.version) form.dataset.version = result.version;
    showErrors(result.message || "L'enregistrement a échoué.", result.errors);
  } catch (error) {
    showErrors("Le serveur ne répond pas : vérifiez la connexion et réessayez.", {});
  } finally {
    button.disabled = false;
  }
});
