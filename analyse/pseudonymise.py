"""Pseudonymisation of free-text answers before they leave the coders' hands.

Direct identifiers (names, phone numbers, e-mails, postal addresses, NIR, IBAN, allocataire numbers,
dates of birth, licence plates) are found by rules and by spaCy's named-entity recogniser, then
replaced by placeholders: `[PERSONNE_1]`, `[TÉLÉPHONE]`… The same person keeps the same number
within a text, or across the texts of one respondent (`pseudonymise_respondent`).

A result keeps every replacement with its offsets in both texts, so a coding made on the original
can be shown on the pseudonymised text and back (`to_pseudonymised_offset`, `to_original_offset`),
and a coder can correct what was found (`apply_corrections`) before the text is re-rendered.

Detection is deliberately conservative on words that are both first names and common words or
places (« Rose », « France », « Tours », « Saint-Pierre »): they count as names only in a context that
says so (« Mme Rose Martin », « ma fille Rose »).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

# Kinds, in the order overlaps are settled: an e-mail wins over a name found inside it.
KINDS = (
    "EMAIL",
    "IBAN",
    "NIR",
    "TELEPHONE",
    "IDENTIFIANT",
    "PLAQUE",
    "DATE_NAISSANCE",
    "ADRESSE",
    "PERSONNE",
)
PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "IBAN": "[IBAN]",
    "NIR": "[NIR]",
    "TELEPHONE": "[TÉLÉPHONE]",
    "IDENTIFIANT": "[IDENTIFIANT]",
    "PLAQUE": "[IMMATRICULATION]",
    "DATE_NAISSANCE": "[DATE_NAISSANCE]",
    "ADRESSE": "[ADRESSE]",
    "PERSONNE": "[PERSONNE_{number}]",
}
_PRIORITY = {kind: index for index, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Span:
    """An identifier found in (or marked by a coder on) the original text."""

    start: int
    end: int
    kind: str
    text: str = ""
    source: str = "rule"  # rule, ner, coder

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Replacement:
    start: int  # in the original text
    end: int
    new_start: int  # in the pseudonymised text
    new_end: int
    kind: str
    original: str
    placeholder: str
    source: str = "rule"


@dataclass(frozen=True)
class Pseudonymised:
    original: str
    text: str
    replacements: tuple[Replacement, ...] = ()

    @property
    def spans(self) -> list[Span]:
        return [Span(r.start, r.end, r.kind, r.original, r.source) for r in self.replacements]

    def to_pseudonymised_offset(self, offset: int, *, side: str = "start") -> int:
        """Map an offset of the original text. An offset inside a replaced identifier goes to the
        start of its placeholder (side="start") or to its end (side="end"), so that a coded
        segment that cut through a name still covers the whole placeholder."""
        return _map_offset(offset, self.replacements, forward=True, side=side)

    def to_original_offset(self, offset: int, *, side: str = "start") -> int:
        return _map_offset(offset, self.replacements, forward=False, side=side)

    def to_pseudonymised_span(self, start: int, end: int) -> tuple[int, int]:
        return self.to_pseudonymised_offset(start, side="start"), self.to_pseudonymised_offset(
            end, side="end"
        )

    def to_original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.to_original_offset(start, side="start"), self.to_original_offset(
            end, side="end"
        )


def _map_offset(
    offset: int, replacements: Sequence[Replacement], *, forward: bool, side: str
) -> int:
    if side not in ("start", "end"):
        raise ValueError("side doit valoir 'start' ou 'end'")
    shift = 0
    for r in replacements:
        source_start, source_end = (r.start, r.end) if forward else (r.new_start, r.new_end)
        target_start, target_end = (r.new_start, r.new_end) if forward else (r.start, r.end)
        if offset <= source_start:
            break
        if offset < source_end:
            return target_start if side == "start" else target_end
        shift = target_end - source_end
    return offset + shift


# --- first names -------------------------------------------------------------------------------

# Columns of the gender-guesser dictionary whose names are frequent among French residents.
_NAME_COUNTRIES = (
    "france",
    "belgium",
    "swiss",
    "luxembourg",
    "portugal",
    "spain",
    "italy",
    "arabia",
    "turkey",
    "other_countries",
)
_DICTIONARY_COUNTRIES = (
    "great_britain ireland usa italy malta portugal spain france belgium luxembourg the_netherlands "
    "east_frisia germany austria swiss iceland denmark norway sweden finland estonia latvia lithuania "
    "poland czech_republic slovakia hungary romania bulgaria bosniaand croatia kosovo macedonia "
    "montenegro serbia slovenia albania greece russia belarus moldova ukraine armenia azerbaijan "
    "georgia the_stans turkey arabia israel china india japan korea vietnam other_countries"
).split()

# First names that are also common words, months, places or institutions: names only in context.
AMBIGUOUS_FIRST_NAMES = frozenset(
    """
    france rose marine avril ange grace olive prune aimé aime fleur florence lourdes nancy valence
    vienne victoire patience constance clémence clemence espérance esperance joie colombe mercedes
    noël noel pascal pâques paques toussaint dieu jésus jesus christ marie-madeleine bas sait cher
    rien mai juin juillet août aout mars janvier février fevrier octobre novembre décembre decembre
    sage modeste juste parfait honoré honore désiré desire fortuné fortune bienvenu félicité felicite
    aurore océane oceane azur ambre jade perle cerise violette capucine églantine eglantine
    angèle angele céleste celeste gloire léger leger blanche blanc brun roux doux franc loyal
    lundi mardi samedi dimanche orange chance claire vérité verite liberté liberte
    tours loire indre cher vienne seine marne somme aube orne gers lot var ain
    mission locale centre caf cpam mairie maison ville union paris lyon nice marseille
    abbé pierre-et-marie dominique-savio
    """.split()
)

# Words after which a capitalised name is a place or an institution named after someone.
_PLACE_TRIGGERS = (
    r"rue|avenue|av\.|boulevard|bd|allée|allées|impasse|chemin|place|square|quai|route|cours|"
    r"passage|résidence|cité|lotissement|hameau|faubourg|pont|parc|jardin|stade|gymnase|piscine|"
    r"collège|lycée|école|université|fac|faculté|hôpital|clinique|ehpad|foyer|centre|salle|"
    r"médiathèque|bibliothèque|maison|espace|église|mosquée|paroisse|quartier|arrêt|station|"
    r"gare|métro|tram|ligne|saint|sainte|st|ste|l'avenue|la rue|résidences|association|fondation|"
    r"institut|pôle|clos|mail|esplanade|rond-point|voie|sentier|cimetière|marché|halle|halles"
)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Lower-cased first names (with and without accents) from the gender-guesser dictionary
    (names given in France and the countries its residents come from) plus a complement of
    names it lacks."""
    names: set[str] = set()
    dictionary = resources.files("gender_guesser").joinpath("data", "nam_dict.txt")
    indexes = [_DICTIONARY_COUNTRIES.index(country) for country in _NAME_COUNTRIES]
    with dictionary.open(encoding="utf-8") as lines:
        for line in lines:
            if line[:1] in "#=" or len(line) < 31:
                continue
            frequencies = line[30 : 30 + len(_DICTIONARY_COUNTRIES)]
            if any(i < len(frequencies) and frequencies[i].strip() for i in indexes):
                name = line.split()[1].replace("+", "-")
                names.add(name.lower())
    complement = resources.files("analyse").joinpath("data", "prenoms_complement.txt")
    for line in complement.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.lower())
    names |= {_strip_accents(name) for name in names}
    return frozenset(names)


def _strip_accents(text: str) -> str:
    return "".join(
        char for char in unicodedata.normalize("NFD", text) if unicodedata.category(char) != "Mn"
    )


def is_first_name(word: str) -> bool:
    lowered = word.lower()
    if lowered in first_names():
        return True
    # « Jean-Pierre », « Marie-Hélène »: every part a first name.
    parts = lowered.split("-")
    return len(parts) > 1 and all(part in first_names() for part in parts)


# --- rules -------------------------------------------------------------------------------------

_UP = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"
_LOW = "a-zàâäçéèêëîïôöùûüÿæœ"
_CAP_WORD = rf"[{_UP}][{_LOW}]+(?:['’][{_UP}]?[{_LOW}]+)?(?:-[{_UP}][{_LOW}]+)*"
_UPPER_WORD = rf"[{_UP}]{{2,}}(?:-[{_UP}]{{2,}})*"
_APOS_NAME = rf"(?:[NM]['’][{_UP}][{_LOW}]+)"  # N'Diaye, M'Bappé
_SURNAME_WORD = rf"(?:{_APOS_NAME}|{_CAP_WORD}|{_UPPER_WORD})"
_PARTICLE = r"(?:de la|de|du|des|d['’]|le|la|ben|bin|el|al|van|von|da|dos|ould|ait|aït|Ben|El|Le|La|Da|Dos|Van)"
# A name: one to three capitalised words, particles allowed inside (« Ben Ali », « de Villiers »).
_NAME = rf"{_SURNAME_WORD}(?:(?:\s+{_PARTICLE})?\s*{_SURNAME_WORD}){{0,2}}"

_TITLE = (
    r"(?:M\.|Mr\.?|mr\.?|MM\.|Mme|mme|Mmes|mmes|Mlle|mlle|Mlles|Monsieur|monsieur|Madame|madame|Mademoiselle|mademoiselle|"
    r"Dr\.?|Docteur|docteur|Docteure|docteure|Maître|maître|Me|Pr\.?|Professeur|professeur)"
)
_RELATION = (
    r"(?:mon|ma|mes|notre|nos|son|sa|ses|leur|Mon|Ma|Notre|Son|Sa)\s+"
    r"(?:(?:petit|petite|arrière-petit|arrière-petite|beau|belle|demi|ex)-?)?"
    r"(?:fils|fille|filles|enfant|enfants|mari|femme|épouse|époux|compagnon|compagne|conjoint|conjointe|"
    r"frère|frères|sœur|soeur|sœurs|soeurs|père|mère|papa|maman|grand-père|grand-mère|oncle|tante|"
    r"voisin|voisine|voisins|neveu|nièce|cousin|cousine|ami|amie|amis|copain|copine|pote|"
    r"aide-ménagère|aide ménagère|aide à domicile|auxiliaire de vie|auxiliaire|infirmière|infirmier|"
    r"médecin|médecin traitant|kiné|kinésithérapeute|assistante sociale|assistant social|"
    r"éducateur|éducatrice|éduc|conseiller|conseillère|référent|référente|tuteur|tutrice|"
    r"curatrice|curateur|prof|professeur|professeure|patron|patronne|chef|collègue|coloc|colocataire|"
    r"propriétaire|proprio|gardien|gardienne|concierge|filleul|filleule|parrain|marraine|"
    r"petit-ami|petite-amie|belle-fille|beau-fils|belle-mère|beau-père|gendre|bru)"
    r",?\s+(?:qui s'appelle\s+|nommée?\s+|appelée?\s+)?"
)
_CALLED = r"(?:(?:je m'appelle|j'm'appelle|s'appelle|s'appellent|m'appelle|nommée?|prénommée?|appelée?)\s+)"
_NAME_AFTER_CONTEXT = rf"(?:{_NAME}|[{_LOW}]{{3,}}(?:\s+[{_LOW}]{{3,}})?)"

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w])")
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[\s.\-/]?\d{2}){4}(?!\d)"
)
_NIR_RE = re.compile(
    r"(?<!\d)[12][\s.]?\d{2}[\s.]?(?:0[1-9]|1[0-2]|[2-9]\d)[\s.]?(?:\d{2}|2[AB])[\s.]?\d{3}[\s.]?\d{3}"
    r"(?:[\s.]?\d{2})?(?!\d)"
)
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_PLATE_RE = re.compile(r"\b[A-HJ-NP-TV-Z]{2}[- ]?\d{3}[- ]?[A-HJ-NP-TV-Z]{2}\b")
_IDENTIFIER_RE = re.compile(
    r"(?i:(?:n°|no\.?|num(?:é|e)ro|numéro|num|identifiant|matricule)\s*(?:d['’]\s*|de\s+)?"
    r"(?:allocataire|caf|dossier|pôle emploi|france travail|client|adhérent|msa|cpam|carte vitale|"
    r"passeport|titre de séjour|carte d['’]identité|fiscal)"
    r"|(?:allocataire|dossier caf|caf)\s*(?:n°|no\.?|num(?:é|e)ro)?)"
    r"\s*(?:(?:c['’])?est\s+(?:le\s+)?)?[:=]?\s*(?P<value>[A-Z0-9][A-Z0-9 ]{4,18}[A-Z0-9]|\d{5,})"
)
_MONTHS = r"(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre)"
_DATE = rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:19|20)?\d{{2}}|(?:1er|\d{{1,2}})\s+{_MONTHS}\s+(?:19|20)\d{{2}})"
_BIRTH_RE = re.compile(
    rf"(?i:(?:née?s?|date de naissance|naissance|ddn|anniversaire)\s*(?:le|:|en)?\s*(?::\s*)?)(?P<value>{_DATE})"
)
_STREET_TYPES = (
    r"rue|avenue|av\.|boulevard|bd|bld|allée|allées|impasse|chemin|place|square|quai|route|cours|passage|"
    r"faubourg|fbg|sentier|voie|rond-point|mail|esplanade|promenade|lotissement|clos|hameau|lieu-dit|"
    r"chaussée|parvis|cité|villa|domaine"
)
_STREET_NAME = rf"(?:(?:de la|de l['’]|des|du|de|d['’]|la|le|les|l['’])\s*)?(?:{_CAP_WORD}|\d{{1,2}}(?:er)?\s+{_MONTHS}|{_UPPER_WORD})(?:[\s-]+(?:(?:de la|de l['’]|des|du|de|d['’]|et|la|le|les|l['’])\s*)?(?:{_CAP_WORD}|{_UPPER_WORD}))*"
_NUMBERED_STREET_RE = re.compile(
    rf"(?<![\w])\d{{1,4}}\s?(?:bis|ter|b|[A-D](?![\w]))?\s*,?\s+(?i:{_STREET_TYPES})\s+{_STREET_NAME}"
)
_LIVING_STREET_RE = re.compile(
    rf"(?i:(?:habite|habitons|habitent|habitais|domiciliée?|vis|vivons|logée?|adresse\s*:?|déménagé)\s+"
    rf"(?:au\s+|à\s+la\s+|dans\s+la\s+|dans\s+l['’]|dans\s+le\s+|en\s+|sur\s+l['’]|sur\s+la\s+|sur\s+le\s+|à\s+)?)"
    rf"(?P<value>(?i:{_STREET_TYPES})\s+{_STREET_NAME})"
)
# Without a number, a street is an address when it names a few houses (an impasse, a chemin, a
# lieu-dit, a hameau): « au fond de l'impasse du Moulin » says who is speaking. A rue, an avenue or
# a place without a number is a public space people talk about (« les trottoirs de la rue
# Nationale »), kept. The name must be written as a name (capitalised): « le chemin de l'école ».
_SMALL_PLACE_RE = re.compile(
    rf"(?<![\w])(?i:lieu-dit|lieudit|lieu dit|impasse|chemin|hameau|sentier|ruelle|venelle)\s+"
    rf"{_STREET_NAME}"
)
_BUILDING_RE = re.compile(
    rf"(?<![\w])(?i:(?:bâtiment|batiment|bât\.|bat\.|bât|bat|escalier|esc\.|appartement|appart\.?|appt\.?|apt\.?|porte|"
    rf"tour|immeuble|logement|boîte aux lettres|bal))\s*(?:n°\s*)?(?:[A-Z]\d{{0,3}}|\d{{1,4}}[A-Z]?)(?![\w])"
    rf"|(?<![\w])(?i:résidence|résidences|cité|foyer-logement|villa|hameau|lotissement)\s+(?:(?:les|le|la|des|du|de la|de|l['’])\s*)?{_CAP_WORD}(?:[\s-]+{_CAP_WORD})*"
)
_POSTCODE_CITY_RE = re.compile(
    rf"(?<![\w])(?:0[1-9]|[1-8]\d|9[0-8]|2[AB])\d{{3}}\s+{_CAP_WORD}(?:[\s-]+(?:(?:sur|sous|lès|les|lez|en|de|du|des|la|le|l['’]|d['’])[\s-]+)?(?!(?i:cedex))(?:{_CAP_WORD}))*(?:\s+(?i:cedex)(?:\s+\d{{1,2}})?)?"
    rf"|(?<![\w])(?:BP|CS|TSA)\s?\d{{3,6}}(?![\w])"
)
_TITLE_NAME_RE = re.compile(
    rf"(?<![\w]){_TITLE}\s+(?P<value>{_APOS_NAME}|{_NAME}|[{_LOW}]{{3,}}(?:-[{_LOW}]+)?)"
)
_RELATION_NAME_RE = re.compile(rf"(?<![\w]){_RELATION}(?P<value>{_NAME_AFTER_CONTEXT})")
_CALLED_NAME_RE = re.compile(rf"(?i:{_CALLED})(?P<value>{_NAME_AFTER_CONTEXT})")
# Zero-width, so that every capitalised word starts a candidate (« Sans Raymond » → « Raymond »).
_CAP_SEQUENCE_RE = re.compile(rf"(?<![\w'’-])(?=(?P<value>{_NAME}))")

# Lower-case words that follow « madame », « mon fils »… without being names.
_NOT_NAME_WORDS = frozenset(
    """
    le la les un une des de du au aux et ou mais qui que quoi dont est était a avait va vont
    fait fais est-ce il elle ils elles on nous vous je tu me te se lui leur leurs mon ma mes ton ta tes
    son sa ses notre nos votre vos ce cette ces cet en y ne pas plus très trop bien aussi encore
    toujours jamais souvent parfois déjà même sans avec pour par sur sous dans chez vers entre après
    avant depuis pendant maire adjointe adjoint directrice directeur présidente président ministre
    responsable assistante assistant conseillère conseiller infirmière infirmier docteur sociale social
    habite habitent travaille travaillent vient viennent venait peut peuvent doit doivent veut
    aide aident aidait m'a m'aide m'aidait n'a n'est s'occupe s'en c'est qu'il qu'elle ici là-bas
    était avait sont ont seul seule seuls seules aussi tout toute tous toutes autre autres
    handicapé handicapée malade âgée âgé petit petite grand grande jeune jeunes vieux vieille
    chômage retraite retraitée retraité étudiant étudiante lycée collège école travail boulot
    fait ans mois semaines jours car donc alors puis ensuite enfin quand comme si oui non
    """.split()
)

# Capitalised words that open a sentence or name an institution or a place, never a person.
_NOT_NAME_CAPITALISED = frozenset(
    """
    je j'ai j'habite il elle ils elles on nous vous le la les un une des de du au aux et ou mais
    ce cette ces cet c'est ça ca il y a en à a pour par sur sous avec sans dans chez depuis pendant
    quand comme si oui non merci bonjour bonsoir avant après mon ma mes notre nos leur leurs son sa ses
    caf cpam msa ccas cias mdph mdsl pmi apl rsa aah apa ehpad ephad smic cmu css ame hlm opac
    mairie préfecture département région état france travail pôle emploi mission locale centre
    social croix-rouge secours populaire catholique restos cœur coeur emmaüs
    tours joué joué-lès-tours saint-pierre-des-corps saint-avertin saint-cyr-sur-loire chambray
    chambray-lès-tours fondettes ballan-miré la riche amboise loches chinon touraine tour(s)
    internet facebook whatsapp instagram tiktok snapchat google covid sncf ratp fil bleu filbleu
    lundi mardi mercredi jeudi vendredi samedi dimanche noël pâques toussaint ramadan aïd
    dieu seigneur allah monsieur madame mademoiselle docteur
    """.split()
)


def _match_spans(regex: re.Pattern, text: str, kind: str, group: str | int = 0) -> list[Span]:
    spans = []
    for match in regex.finditer(text):
        start, end = match.span(group)
        value = text[start:end].rstrip(" ,.;:")
        if value:
            spans.append(Span(start, start + len(value), kind, value))
    return spans


def _is_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t«\"'(“-–—")
    return not before or before[-1] in ".!?\n:;…"


def _preceded_by_place_word(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start]
    return bool(
        re.search(
            rf"(?i:(?:^|[\s'’(])(?:{_PLACE_TRIGGERS}))[\s-]+(?:(?:de la|de l['’]|des|du|de|d['’]|la|le|les|l['’])\s*)?$",
            before,
        )
    )


def _preceded_by_place_preposition(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start]
    return bool(
        re.search(
            r"(?i:(?:^|\s)(?:à|a|de|d['’]|en|vers|sur|depuis|jusqu['’]à|près de|habite à)\s*)$",
            before,
        )
    )


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading titles and trailing words that are not names (« Dupont Elle » at a sentence
    boundary never happens in regex matches, but spaCy entities sometimes run on)."""
    value = text[start:end]
    title = re.match(rf"{_TITLE}\s+", value)
    if title:
        start += title.end()
        value = text[start:end]
    words = list(re.finditer(r"\S+", value))
    while len(words) > 1 and _is_trailing_non_name(words[-1].group().strip(",.;:!?»)")):
        end = start + words[-1].start()
        words.pop()
        value = text[start:end].rstrip()
        end = start + len(value)
    stripped = text[start:end].rstrip(",.;:!?»)'’ ")
    return start, start + len(stripped)


_PARTICLE_WORDS = frozenset(
    "de la le les du des d' d’ ben bin el al van von da dos ould ait aït et".split()
)


def _is_trailing_non_name(word: str) -> bool:
    lowered = word.lower()
    return (
        lowered in _NOT_NAME_WORDS
        or lowered in _PARTICLE_WORDS
        or lowered in _NOT_NAME_CAPITALISED
        or len(word.rstrip(".")) == 1
    )


def _person_spans_from_rules(text: str, lexicon: Callable[[str], bool] | None = None) -> list[Span]:
    spans: list[Span] = []
    for regex in (_TITLE_NAME_RE, _RELATION_NAME_RE, _CALLED_NAME_RE):
        for match in regex.finditer(text):
            start, end = match.span("value")
            start, end = _trim_name(text, start, end)
            value = text[start:end]
            if not value:
                continue
            first_word = value.split()[0].lower()
            if (
                first_word in _NOT_NAME_CAPITALISED
                or value[0].islower()
                and first_word in _NOT_NAME_WORDS
            ):
                continue
            if value[0].islower() and not (
                is_first_name(value.split()[0]) or regex is _TITLE_NAME_RE
            ):
                continue
            if value[0].islower():
                # Lower-case name: keep only its first word unless the next is also a first name.
                words = value.split()
                keep = words[0]
                if len(words) > 1 and (
                    is_first_name(words[1]) or regex is _TITLE_NAME_RE and is_first_name(words[0])
                ):
                    keep = " ".join(words[:2])
                if words[0].lower() in _NOT_NAME_WORDS:
                    continue
                end = start + len(keep)
                value = keep
            spans.append(Span(start, end, "PERSONNE", value))
    # A known first name written with a capital, optionally followed by a surname.
    for match in _CAP_SEQUENCE_RE.finditer(text):
        start, end = match.span("value")
        words = text[start:end].split()
        first = words[0]
        if not is_first_name(first) or first.isupper() and len(words) == 1:
            continue  # « IBAN », « ALI » alone: acronyms more often than names
        lowered = first.lower()
        if lowered in _NOT_NAME_CAPITALISED or _preceded_by_place_word(text, start):
            continue
        if re.match(r"(?i:saint|sainte|st|ste)-", text[start:end]) or text[end : end + 1] == "-":
            continue
        ambiguous = (
            lowered in AMBIGUOUS_FIRST_NAMES or _strip_accents(lowered) in AMBIGUOUS_FIRST_NAMES
        )
        sentence_start = _is_sentence_start(text, start)
        has_surname = len(words) > 1
        if ambiguous and not has_surname:
            continue
        if sentence_start and not has_surname:
            # « Pierre est venu » is a name, « Rose » opening a sentence is not: trust the
            # name list only for names that are not ordinary words.
            if lowered in _NOT_NAME_WORDS:
                continue
        if _preceded_by_place_preposition(text, start) and not has_surname and ambiguous:
            continue
        if has_surname and _is_place_name(" ".join(words[1:])):
            end = start + len(first)
        spans.append(Span(start, end, "PERSONNE", text[start:end]))
    if lexicon is not None:
        # Answers typed on a phone often lack capitals: « kevin de la mission locale ». A lower-case
        # first name counts when it is not also a French word (« rose », « pierre », « martin »).
        for match in re.finditer(
            rf"(?<![\w'’-])[{_LOW}]{{3,}}(?:-[{_LOW}]{{3,}})?(?![\w'’-])", text
        ):
            word = match.group()
            if (
                is_first_name(word)
                and word not in _NOT_NAME_WORDS
                and word not in _NOT_NAME_CAPITALISED
                and word not in AMBIGUOUS_FIRST_NAMES
                and not lexicon(word)
            ):
                spans.append(Span(match.start(), match.end(), "PERSONNE", word))
    return spans


def _is_place_name(value: str) -> bool:
    return value.lower() in _NOT_NAME_CAPITALISED or value.lower().startswith(("saint", "sainte"))


def _person_spans_from_entities(
    text: str,
    entities: Iterable[tuple[int, int, str]],
    lexicon: Callable[[str], bool] | None = None,
) -> list[Span]:
    spans = []
    for start, end, label in entities:
        if label != "PER":
            continue
        start, end = _trim_name(text, start, end)
        # « Appelez Fatou »: the small model glues a capitalised verb opening a sentence to the name.
        while lexicon is not None and " " in text[start:end]:
            first_word = text[start:end].split()[0]
            if is_first_name(first_word) or not lexicon(first_word.lower()):
                break
            start += len(first_word)
            start += len(text[start:end]) - len(text[start:end].lstrip())
            start, end = _trim_name(text, start, end)
        value = text[start:end]
        if not value or not value[0].isupper():
            continue
        words = value.split()
        lowered = value.lower()
        if lowered in _NOT_NAME_CAPITALISED or lowered in AMBIGUOUS_FIRST_NAMES:
            continue
        if any(
            word[0].islower()
            and word.lower() not in ("de", "du", "des", "d'", "la", "le", "ben", "el", "van")
            for word in words
        ):
            continue
        if any(word.lower() in _NOT_NAME_CAPITALISED for word in words):
            continue
        if _preceded_by_place_word(text, start) or re.match(r"(?i:saint|sainte|st|ste)\b", value):
            continue
        if "@" in value or any(char.isdigit() for char in value):
            continue
        if any(len(word.rstrip(".")) == 1 for word in words):
            continue
        if _is_sentence_start(text, start) and not any(is_first_name(word) for word in words):
            continue
        if len(words) == 1 and _is_sentence_start(text, start) and not is_first_name(value):
            # The small French model tags many capitalised sentence openers as PER.
            continue
        if len(words) == 1 and not is_first_name(value) and not _UPPER_ONLY.match(value):
            # A lone unknown capitalised word is a name only after a preposition that says so.
            before = text[max(0, start - 25) : start].lower()
            if not re.search(
                r"(?:avec|chez|par|pour|et|à|appelé|appelée|dit|dire à|vu)\s*$", before
            ):
                continue
            if _preceded_by_place_preposition(text, start) and not re.search(
                r"(?:avec|chez|par|pour)\s*$", before
            ):
                continue
        spans.append(Span(start, end, "PERSONNE", value, "ner"))
    return spans


_UPPER_ONLY = re.compile(rf"^[{_UP}]{{2,}}$")


def detect_rules(text: str, lexicon: Callable[[str], bool] | None = None) -> list[Span]:
    """Every candidate found by the rules alone, overlapping candidates included. `lexicon` tells
    whether a lower-case word is a French word; without it lower-case names are not looked for."""
    spans: list[Span] = []
    spans += _match_spans(_EMAIL_RE, text, "EMAIL")
    spans += [s for s in _match_spans(_IBAN_RE, text, "IBAN") if len(s.text.replace(" ", "")) >= 15]
    spans += _match_spans(_NIR_RE, text, "NIR")
    spans += _match_spans(_PHONE_RE, text, "TELEPHONE")
    spans += _match_spans(_IDENTIFIER_RE, text, "IDENTIFIANT", "value")
    spans += _match_spans(_PLATE_RE, text, "PLAQUE")
    spans += _match_spans(_BIRTH_RE, text, "DATE_NAISSANCE", "value")
    spans += _match_spans(_NUMBERED_STREET_RE, text, "ADRESSE")
    spans += _match_spans(_LIVING_STREET_RE, text, "ADRESSE", "value")
    spans += _match_spans(_BUILDING_RE, text, "ADRESSE")
    spans += _match_spans(_SMALL_PLACE_RE, text, "ADRESSE")
    spans += _match_spans(_POSTCODE_CITY_RE, text, "ADRESSE")
    spans += _person_spans_from_rules(text, lexicon)
    return spans


def resolve(text: str, candidates: Iterable[Span]) -> list[Span]:
    """Keep non-overlapping spans: stronger kinds first, then the longer span; then join address
    parts that follow each other (« 12 rue Jean Jaurès, bât. C, 37000 Tours » is one address)."""
    ordered = sorted(candidates, key=lambda s: (_PRIORITY[s.kind], -(s.end - s.start), s.start))
    kept: list[Span] = []
    for span in ordered:
        if span.end <= span.start:
            continue
        if any(span.overlaps(other) for other in kept):
            continue
        kept.append(span)
    kept.sort(key=lambda s: s.start)
    merged: list[Span] = []
    for span in kept:
        if merged and span.kind == merged[-1].kind and span.kind in ("ADRESSE", "PERSONNE"):
            gap = text[merged[-1].end : span.start]
            joinable = r"[\s,\-–]*" if span.kind == "ADRESSE" else r"\s*"
            if re.fullmatch(joinable, gap):
                previous = merged.pop()
                span = Span(
                    previous.start,
                    span.end,
                    span.kind,
                    text[previous.start : span.end],
                    previous.source,
                )
        merged.append(span)
    return merged


# --- spaCy -------------------------------------------------------------------------------------


def default_nlp():
    """The process's one spaCy pipeline (`analyse.nlp.load_pipeline`): its entity recogniser is
    loaded but disabled for lemmas, and run alone here."""
    from analyse.nlp import load_pipeline

    return load_pipeline()


def _lexicon_pipeline(nlp):
    if "lemmatizer" in nlp.pipe_names:
        return nlp
    from analyse.nlp import load_pipeline

    return load_pipeline()


def french_lexicon(nlp) -> Callable[[str], bool]:
    """Whether a lower-case word is French, from the lemmatizer's tables (200,000 inflected forms);
    cached per pipeline."""
    cached = _LEXICONS.get(id(nlp))
    if cached is not None:
        return cached
    tables = []
    if "lemmatizer" in nlp.pipe_names:
        lookups = nlp.get_pipe("lemmatizer").lookups
        for name in ("lemma_lookup", "lemma_exc"):
            if lookups.has_table(name):
                tables.append(lookups.get_table(name))
        if lookups.has_table("lemma_index"):
            index = lookups.get_table("lemma_index")
            words = set()
            for key in index.keys():
                words.update(index[key])
            tables.append(words)

    def contains(word: str) -> bool:
        return any(word in table for table in tables)

    _LEXICONS[id(nlp)] = contains if tables else (lambda word: True)
    return _LEXICONS[id(nlp)]


_LEXICONS: dict[int, Callable[[str], bool]] = {}


def _entities(docs) -> Iterable[list[tuple[int, int, str]]]:
    for doc in docs:
        yield [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


def may_name_a_person(text: str) -> bool:
    """Whether the entity recogniser could add a name to what the rules find. A PER entity is kept
    only when it starts with a capital letter (see _person_spans_from_entities), and one at the
    start of a sentence only when one of its words is a first name; so a text whose capitals all
    open sentences with words that are not first names cannot gain a name from it, and the
    recogniser, half the cost of an analysis, is not run on it."""
    for match in _CAPITALISED_TOKEN.finditer(text):
        word = match.group()
        for position, char in enumerate(word):
            if not char.isupper():
                continue
            if not _is_sentence_start(text, match.start() + position):
                return True
            if any(is_first_name(part) for part in _NAME_PARTS.findall(word)):
                return True
    return False


_CAPITALISED_TOKEN = re.compile(r"\S*[^\W\d_]\S*")
_NAME_PARTS = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _run_recogniser(nlp, texts: Sequence[str], batch_size: int) -> list[list[tuple[int, int, str]]]:
    """Entities of each text from the recogniser alone (no parser, tagger or lemmatizer), only for
    the texts where it can matter."""
    from analyse.nlp import entity_recogniser

    components = entity_recogniser(nlp)
    found: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    wanted = [index for index, text in enumerate(texts) if text.strip() and may_name_a_person(text)]
    if not components or not wanted:
        return found
    docs = (nlp.make_doc(texts[index]) for index in wanted)
    for component in components:
        docs = component.pipe(docs, batch_size=batch_size)
    for index, entities in zip(wanted, _entities(docs)):
        found[index] = entities
    return found


def detect(text: str, nlp=None, *, use_ner: bool = True) -> list[Span]:
    return detect_many([text], nlp, use_ner=use_ner)[0]


def detect_many(
    texts: Sequence[str], nlp=None, *, use_ner: bool = True, batch_size: int = 64
) -> list[list[Span]]:
    """Identifiers of each text; the recogniser runs once over the texts that need it, in batches."""
    texts = [text or "" for text in texts]
    if use_ner:
        nlp = nlp or default_nlp()
        entity_lists = _run_recogniser(nlp, texts, batch_size)
        lexicon = french_lexicon(_lexicon_pipeline(nlp))
    else:
        entity_lists = [[] for _ in texts]
        lexicon = None
    results = []
    for text, entities in zip(texts, entity_lists):
        candidates = detect_rules(text, lexicon) + _person_spans_from_entities(
            text, entities, lexicon
        )
        results.append(resolve(text, candidates))
    return results


# --- rendering ---------------------------------------------------------------------------------


@dataclass
class PersonRegistry:
    """Numbers people consistently: « Kevin Martin », « Kevin » and « M. Martin » are the same
    person within one text or one respondent's answers."""

    numbers: dict[str, int] = field(default_factory=dict)
    _parts: list[tuple[frozenset[str], int]] = field(default_factory=list)

    def number(self, name: str) -> int:
        key = _person_key(name)
        if key in self.numbers:
            return self.numbers[key]
        words = frozenset(key.split())
        for parts, number in self._parts:
            if words <= parts or parts <= words:
                self.numbers[key] = number
                return number
        number = len({n for _, n in self._parts}) + 1
        self.numbers[key] = number
        self._parts.append((words, number))
        return number


def _person_key(name: str) -> str:
    name = re.sub(rf"^{_TITLE}\s+", "", name.strip())
    return " ".join(_strip_accents(name).lower().replace("-", " ").replace("’", "'").split())


def render(
    text: str, spans: Iterable[Span], *, registry: PersonRegistry | None = None
) -> Pseudonymised:
    """Replace the spans (non-overlapping; overlaps are settled as in `resolve`) by placeholders."""
    text = text or ""
    registry = registry if registry is not None else PersonRegistry()
    spans = sorted(_validated(text, spans), key=lambda s: s.start)
    pieces: list[str] = []
    replacements: list[Replacement] = []
    cursor = 0
    length = 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        length += span.start - cursor
        if span.kind == "PERSONNE":
            placeholder = PLACEHOLDERS["PERSONNE"].format(
                number=registry.number(text[span.start : span.end])
            )
        else:
            placeholder = PLACEHOLDERS[span.kind]
        replacements.append(
            Replacement(
                span.start,
                span.end,
                length,
                length + len(placeholder),
                span.kind,
                text[span.start : span.end],
                placeholder,
                span.source,
            )
        )
        pieces.append(placeholder)
        length += len(placeholder)
        cursor = span.end
    pieces.append(text[cursor:])
    return Pseudonymised(text, "".join(pieces), tuple(replacements))


def _validated(text: str, spans: Iterable[Span]) -> list[Span]:
    checked = []
    for span in spans:
        if span.kind not in PLACEHOLDERS:
            raise ValueError(f"type d'identifiant inconnu : {span.kind}")
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(
                f"segment {span.start}-{span.end} hors du texte ({len(text)} caractères)"
            )
        checked.append(replace(span, text=text[span.start : span.end]))
    return resolve(text, checked) if _has_overlap(checked) else checked


def _has_overlap(spans: list[Span]) -> bool:
    ordered = sorted(spans, key=lambda s: s.start)
    return any(a.end > b.start for a, b in zip(ordered, ordered[1:]))


def pseudonymise(text: str, nlp=None, *, use_ner: bool = True) -> Pseudonymised:
    return render(text, detect(text, nlp, use_ner=use_ner))


def pseudonymise_many(
    texts: Sequence[str], nlp=None, *, use_ner: bool = True, batch_size: int = 64
) -> list[Pseudonymised]:
    """Each text numbered on its own (texts of different respondents)."""
    found = detect_many(texts, nlp, use_ner=use_ner, batch_size=batch_size)
    return [render(text or "", spans) for text, spans in zip(texts, found)]


def pseudonymise_respondent(
    texts: Sequence[str], nlp=None, *, use_ner: bool = True
) -> list[Pseudonymised]:
    """The answers of one respondent: a person named in two answers keeps one number."""
    registry = PersonRegistry()
    found = detect_many(texts, nlp, use_ner=use_ner)
    return [render(text or "", spans, registry=registry) for text, spans in zip(texts, found)]


def apply_corrections(
    result: Pseudonymised,
    *,
    add: Iterable[Span | tuple[int, int, str]] = (),
    remove: Iterable[Span | tuple[int, int]] = (),
) -> Pseudonymised:
    """A coder's corrections, in offsets of the original text: remove false positives (by their
    start and end) and add missed identifiers; the text is rendered again from the original."""
    removed = {
        (item.start, item.end) if isinstance(item, Span) else (item[0], item[1]) for item in remove
    }
    kept = [span for span in result.spans if (span.start, span.end) not in removed]
    unknown = removed - {(span.start, span.end) for span in result.spans}
    if unknown:
        raise ValueError(f"aucun identifiant à retirer aux positions {sorted(unknown)}")
    added = []
    for item in add:
        span = item if isinstance(item, Span) else Span(item[0], item[1], item[2])
        added.append(replace(span, source="coder"))
    # A coder's span wins over an automatic one it overlaps.
    kept = [span for span in kept if not any(span.overlaps(new) for new in added)]
    return render(result.original, kept + added)


# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    kind: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(
    examples: Iterable[dict],
    predict: Callable[[list[str]], list[list[Span]]] | None = None,
    *,
    overlap: bool = True,
) -> dict[str, Score]:
    """Precision and recall per kind and overall ("TOUS") against gold spans.

    Each example is {"text": ..., "spans": [{"start", "end", "kind"}]}. With `overlap` a found span
    counts when it overlaps a gold span of the same kind (what matters is that the identifier is
    hidden); otherwise offsets must match exactly."""
    examples = list(examples)
    predict = predict or (lambda texts: detect_many(texts))
    predicted = predict([example["text"] for example in examples])
    counts: dict[str, list[int]] = {}

    def bump(kind: str, index: int) -> None:
        for key in (kind, "TOUS"):
            counts.setdefault(key, [0, 0, 0])[index] += 1

    for example, found in zip(examples, predicted):
        gold = [Span(s["start"], s["end"], s["kind"]) for s in example.get("spans", [])]
        matched_gold: set[int] = set()
        for span in found:
            hit = next(
                (
                    i
                    for i, g in enumerate(gold)
                    if i not in matched_gold
                    and g.kind == span.kind
                    and (
                        (span.overlaps(g))
                        if overlap
                        else (g.start, g.end) == (span.start, span.end)
                    )
                ),
                None,
            )
            if hit is None:
                bump(span.kind, 1)
            else:
                matched_gold.add(hit)
                bump(span.kind, 0)
        for i, g in enumerate(gold):
            if i not in matched_gold:
                bump(g.kind, 2)
    order = [kind for kind in KINDS if kind in counts] + ["TOUS"]
    return {kind: Score(kind, *counts.get(kind, [0, 0, 0])) for kind in order if kind in counts}
