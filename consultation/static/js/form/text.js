/**
 * The texts of the definition in the chosen language (else the default one, else any).
 *   translated(state, translations) -> string
 *   choicesOf(state, question) -> [{name, label, properties}]
 */

export function translated(state, translations) {
  if (!translations || typeof translations !== "object") return typeof translations === "string" ? translations : "";
  if (translations[state.language]) return translations[state.language];
  if (translations[state.defaultLanguage]) return translations[state.defaultLanguage];
  const first = Object.values(translations).find((text) => text);
  return first || "";
}

export function choicesOf(state, question) {
  const list = state.choiceLists[question.choice_list];
  if (!list) return [];
  return (list.choices || []).map((choice) => ({
    name: String(choice.name),
    label: translated(state, choice.label) || String(choice.name),
    properties: choice.properties || {},
  }));
}
