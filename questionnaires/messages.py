"""French messages shown to people: one way to turn a clause into a sentence."""


def as_sentence(message: str) -> str:
    """`message` with its first letter in capitals, the rest untouched ('« age » …' and '' stay)."""
    return message[:1].upper() + message[1:]
