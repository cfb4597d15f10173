/**
 * The interviews kept on this tablet: drafts to resume, the outbox (with the server's refusals in
 * French), and the last ones sent.
 */
import { h, replaceChildren } from "../dom.js";
import { dateTimeText } from "tablet/status-badge.js";
import {
  CORRECTION_DAYS,
  correctable,
  deleteDraft,
  listDrafts,
  listOutbox,
  listSent,
  moveBackToDrafts,
  reopenForCorrection,
} from "tablet/store.js";
import { FAILED } from "tablet/sync.js";

const STEP_LABELS = { profile: "profil", consent: "consentement", questions: "questions", review: "relecture" };

/** Where the enquêteur left the interview, to pick the right draft to resume. */
function stepText(draft) {
  const step = STEP_LABELS[draft.step] || "profil";
  return draft.step === "questions" ? `Arrêté à l'étape ${step}, page ${(draft.page_index || 0) + 1}` : `Arrêté à l'étape ${step}`;
}

function labelOf(options, value) {
  return (options || []).find((option) => option.value === value)?.label || value || "";
}

function who(item, profileOptions, communes) {
  const commune = (communes || []).find((entry) => entry.code === item.profile?.commune);
  return [labelOf(profileOptions?.publics, item.profile?.public), labelOf(profileOptions?.age_bands, item.profile?.age_band), commune?.name]
    .filter(Boolean)
    .join(" · ") || "Profil non renseigné";
}

/** The study of an interview made for another study than this page's (it is sent to its own). */
function otherStudy(item, bootstrap) {
  if (!item.study || item.study === bootstrap?.study?.slug) return null;
  return h("span", { class: "muted" }, `Étude : ${item.study_name || item.study}`);
}

/**
 * Renders the three lists into `container`. `appUrl` is the tablet app page; `bootstrap` gives
 * the labels (may be null); `onChange` runs after a draft is deleted or an item is put back.
 */
export async function renderLocalLists(container, { appUrl, bootstrap, onChange }) {
  const options = bootstrap?.profile_options;
  const communes = bootstrap?.territory?.communes;
  const [drafts, outbox, sent] = await Promise.all([listDrafts(), listOutbox(), listSent()]);
  const refresh = async () => {
    await renderLocalLists(container, { appUrl, bootstrap, onChange });
    onChange?.();
  };

  const draftItems = drafts.map((draft) =>
    h(
      "li",
      { class: "item-row", dataset: { uuid: draft.uuid } },
      h("div", { class: "item-text" },
        h("strong", {}, draft.title || "Entretien"),
        draft.correction ? h("span", { class: "status-waiting" }, "Correction d'un entretien déjà envoyé") : null,
        otherStudy(draft, bootstrap),
        h("span", {}, who(draft, options, communes)),
        h("span", { class: "muted" }, `${stepText(draft)} · modifié ${dateTimeText(draft.updated_at)}`)),
      h("div", { class: "actions" },
        h("a", { class: "button", href: `${appUrl}#/entretien/${draft.uuid}` }, "Reprendre"),
        h("button", {
          type: "button",
          class: "button secondary",
          onclick: async () => {
            const question = draft.correction
              ? "Abandonner cette correction ? L'entretien reste tel qu'il a été envoyé."
              : "Supprimer définitivement ce brouillon d'entretien ?";
            if (!confirm(question)) return;
            await deleteDraft(draft.uuid);
            await refresh();
          },
        }, "Supprimer")),
    ),
  );

  const outboxItems = outbox.map((item) => {
    const failed = item.status === FAILED;
    return h(
      "li",
      { class: `item-row${failed ? " item-failed" : ""}`, dataset: { uuid: item.uuid } },
      h("div", { class: "item-text" },
        h("strong", {}, item.title || "Entretien"),
        otherStudy(item, bootstrap),
        h("span", {}, who(item, options, communes)),
        h("span", { class: "muted" }, `Terminé ${dateTimeText(item.completed_at)}`),
        item.receipt_code ? h("span", {}, `Code de récépissé : ${item.receipt_code}`) : null,
        h("span", { class: failed ? "error" : "status-waiting" },
          failed ? `Refusé : ${item.error?.message || ""}` : item.correction ? "Correction en attente d'envoi" : "En attente d'envoi"),
        failed && item.error?.details?.length ? h("ul", { class: "error-details" }, item.error.details.map((line) => h("li", {}, line))) : null,
        !failed && item.error?.message ? h("span", { class: "muted" }, item.error.message) : null),
      failed && item.error?.http_status === 422
        ? h("div", { class: "actions" },
            h("button", {
              type: "button",
              class: "button secondary",
              onclick: async () => {
                await moveBackToDrafts(item.uuid);
                location.href = `${appUrl}#/entretien/${item.uuid}`;
              },
            }, "Corriger"))
        : null,
    );
  });

  const pendingCorrection = new Map([
    ...drafts.filter((draft) => draft.correction).map((draft) => [draft.uuid, "Correction en cours (brouillon)"]),
    ...outbox.filter((item) => item.correction).map((item) => [item.uuid, "Correction en attente d'envoi"]),
  ]);
  const sentItems = sent.slice(0, 20).map((item) => {
    const pending = pendingCorrection.get(item.uuid);
    return h("li", { class: "item-row", dataset: { uuid: item.uuid } },
      h("div", { class: "item-text" },
        h("strong", {}, item.title || "Entretien"),
        otherStudy(item, bootstrap),
        h("span", {}, who(item, options, communes)),
        h("span", { class: "muted" }, `Envoyé ${dateTimeText(item.sent_at)}`),
        item.status === "corrige" ? h("span", { class: "status-corrected" }, `Corrigé ${dateTimeText(item.corrected_at)}`) : null,
        item.correction_error ? h("span", { class: "error" }, `Correction refusée : ${item.correction_error.message || ""}`) : null,
        pending ? h("span", { class: "status-waiting" }, pending) : null,
        item.receipt_code ? h("span", {}, `Code de récépissé : ${item.receipt_code}`) : null),
      // After a refusal the server keeps its version: only the chargée d'étude can correct it.
      correctable(item) && !pending && !item.correction_error
        ? h("div", { class: "actions" },
            h("button", {
              type: "button",
              class: "button secondary",
              "aria-label": `Corriger l'entretien envoyé ${dateTimeText(item.sent_at)}`,
              onclick: async () => {
                const draft = await reopenForCorrection(item.uuid);
                if (draft) location.href = `${appUrl}#/entretien/${draft.uuid}`;
                else await refresh();
              },
            }, "Corriger"))
        : null);
  });

  replaceChildren(
    container,
    h("section", { class: "local-list", id: "brouillons", "aria-labelledby": "titre-brouillons" },
      h("h2", { id: "titre-brouillons" }, `Brouillons sur cette tablette (${drafts.length})`),
      draftItems.length ? h("ul", { class: "rows" }, draftItems) : h("p", { class: "muted" }, "Aucun entretien en cours.")),
    h("section", { class: "local-list", id: "boite-envoi", "aria-labelledby": "titre-envoi" },
      h("h2", { id: "titre-envoi" }, `À envoyer (${outbox.length})`),
      outboxItems.length ? h("ul", { class: "rows" }, outboxItems) : h("p", { class: "muted" }, "Aucun entretien en attente d'envoi.")),
    h("section", { class: "local-list", id: "envoyes", "aria-labelledby": "titre-envoyes" },
      h("h2", { id: "titre-envoyes" }, `Envoyés (${sent.length})`),
      h("p", { class: "muted", id: "conservation-envoyes" },
        `Un entretien envoyé peut être corrigé depuis cette tablette pendant ${CORRECTION_DAYS} jours. Ses réponses n'y sont gardées que pendant ce délai (ce sont des données personnelles), puis elles sont effacées de la tablette ; la chargée d'étude peut toujours le corriger ensuite.`),
      sentItems.length ? h("ul", { class: "rows" }, sentItems) : h("p", { class: "muted" }, "Aucun entretien envoyé depuis cette tablette.")),
  );
}
