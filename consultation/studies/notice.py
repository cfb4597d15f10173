"""What the enquêteur reads out before an interview (and what an online page says before its first
question): what is collected and what becomes of it, drawn from the study's RGPD notice and
retention period, so that the words never promise more than the platform does.

The answers are not anonymous: a commune or quartier, an age band, a sex and words typed in full
are kept with them. They are pseudonymised for analysis (names, addresses and numbers replaced
before anyone outside the coders reads them), read in full by the study's team only, kept for the
study's period, and the person keeps the rights of access and erasure through their receipt
code."""

from .models import Study


def _sentence(text: str) -> str:
    text = " ".join((text or "").split()).rstrip(" .")
    return text


def retention_sentence(study: Study) -> str:
    if study.retention_months:
        return f"Elles sont gardées {study.retention_months} mois après l'entretien, puis effacées."
    if _sentence(study.notice_retention):
        return f"Durée de conservation : {_sentence(study.notice_retention)}."
    return "Elles sont gardées le temps de l'étude, puis effacées."


def consent_script(study: Study, rights_url: str) -> str:
    """The words read out to the person, in one paragraph of plain text."""
    controller = _sentence(study.notice_controller)
    recipients = _sentence(study.notice_recipients)
    contact = _sentence(study.notice_dpo)
    parts = [
        "Cet entretien est mené pour l'analyse des besoins sociaux de votre territoire"
        + (f" (responsable : {controller})." if controller else "."),
        "Je ne note pas votre nom. Je note votre commune ou votre quartier, votre tranche "
        "d'âge, votre sexe si vous voulez le dire, et vos réponses, y compris ce que vous "
        "dites avec vos propres mots : elles restent liées à ce profil.",
        "Pour l'analyse, elles sont pseudonymisées : les noms, adresses et numéros que vous "
        "citeriez sont remplacés.",
        "Les réponses complètes ne sont lues que par l'équipe de l'étude"
        + (f" (qui les lit : {recipients})" if recipients else "")
        + " ; ce qui est publié, ce sont des chiffres d'ensemble et des extraits pseudonymisés.",
        retention_sentence(study),
        "À la fin, je vous remets un code de récépissé : avec lui, vous pouvez voir, "
        f"télécharger ou effacer vos réponses sur {rights_url}"
        + (f", ou en écrivant à {contact}." if contact else "."),
        "Vous pouvez refuser de répondre à une question ou arrêter à tout moment. "
        "Acceptez-vous de participer ?",
    ]
    return " ".join(parts)
