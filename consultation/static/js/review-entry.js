// Back office entry of answers: corrections of a submission and paper questionnaires typed in.
// The questionnaire is rendered by the shared form runtime; the server validates again and
// answers 422 with errors by field path, shown here in one list.
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
  };
}

function showErrors(message, errors) {
  errorBox.replaceChildren();
  errorBox.className = "flash flash-error";
  const title = document.createElement("p");
  title.textContent = message;
  errorBox.append(title);
  const list = document.createElement("ul");
  for (const [path, messages] of Object.entries(errors || {})) {
    for (const text of messages) {
      const item = document.createElement("li");
      item.textContent = `${path} : ${text}`;
      list.append(item);
    }
  }
  if (list.childElementCount) errorBox.append(list);
  errorBox.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const problems = controller.validate();
  if (problems.length) {
    const byPath = {};
    for (const problem of problems) (byPath[`answers.${problem.path}`] ||= []).push(problem.message);
    showErrors("Corrigez les réponses signalées avant d'enregistrer.", byPath);
    return;
  }
  const answers = controller.getAnswers();
  const body = form.dataset.mode === "paper"
    ? { uuid: form.dataset.uuid, answers, ...profileAndConsent() }
    : { answers, comment: form.elements.comment.value };
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
    showErrors(result.message || "L'enregistrement a échoué.", result.errors);
  } catch (error) {
    showErrors("Le serveur ne répond pas : vérifiez la connexion et réessayez.", {});
  } finally {
    button.disabled = false;
  }
});
