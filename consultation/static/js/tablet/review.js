/** The answers of an interview as label/value rows, for the review page before « Terminer ». */

function textIn(translations, language) {
  if (!translations) return "";
  return translations[language] ?? translations.fr ?? Object.values(translations)[0] ?? "";
}

function choiceLabel(definition, question, name, language) {
  const list = definition.choice_lists?.[question.choice_list];
  const choice = list?.choices.find((item) => item.name === name);
  return choice ? textIn(choice.label, language) || name : name;
}

function format(definition, question, value, language) {
  if (value === undefined || value === null || value === "") return "";
  if (question.type === "select_one") return choiceLabel(definition, question, value, language);
  if (question.type === "select_multiple") {
    const names = Array.isArray(value) ? value : String(value).split(" ").filter(Boolean);
    return names.map((name) => choiceLabel(definition, question, name, language)).join(", ");
  }
  if (question.type === "date" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [year, month, day] = value.split("-");
    return `${day}/${month}/${year}`;
  }
  if (typeof value === "number") return String(value).replace(".", ",");
  return String(value);
}

function rowsOf(definition, nodes, answers, language, prefix) {
  const rows = [];
  for (const node of nodes) {
    if (node.kind === "group") {
      if (node.repeat) {
        const instances = Array.isArray(answers[node.name]) ? answers[node.name] : [];
        instances.forEach((instance, index) => {
          const groupLabel = `${textIn(node.label, language) || node.name} n° ${index + 1}`;
          rows.push(...rowsOf(definition, node.children, instance || {}, language, `${prefix}${groupLabel} › `));
        });
      } else {
        rows.push(...rowsOf(definition, node.children, answers, language, prefix));
      }
    } else if (node.type !== "note") {
      const value = answers[node.name];
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) continue;
      const label = textIn(node.label, language);
      // A calculation is shown when it has a label: the enquêteur checks it with the person
      // (« 3 personnes dans le foyer, c'est bien ça ? »); unlabelled ones are internal.
      if (node.type === "calculate" && !label) continue;
      rows.push({
        label: `${prefix}${label || node.name}`,
        value: format(definition, node, value, language),
        calculated: node.type === "calculate",
      });
    }
  }
  return rows;
}

/** Answered questions in questionnaire order; unanswered and hidden ones are left out. */
export function questionRows(definition, answers, language) {
  return rowsOf(definition, definition.children || [], answers || {}, language || definition.default_language || "fr", "");
}

export function answerText(row) {
  return row.calculated ? `${row.value} (calculé)` : row.value;
}
