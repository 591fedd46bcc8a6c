"""Personal data masked in the report's questions; place and association names kept."""

from __future__ import annotations

import pytest

from bot.masking import mask_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scrivete a mario.rossi+cc@example.com grazie", "scrivete a [email] grazie"),
        ("il mio cellulare è 333 1234567", "il mio cellulare è [telefono]"),
        ("chiamo il 055-794.1234 domani", "chiamo il [telefono] domani"),
        ("numero +39 333 123 4567.", "numero [telefono]."),
        ("o lo 0039 0557941234", "o lo [telefono]"),
        ("ho 12 anni e peso 40,5 kg", "ho [numero] anni e peso [numero],[numero] kg"),
        ("esami del 30/03/2026", "esami del [numero]/[numero]/[numero]"),
        ("codice RSSMRA85T10A562S ok", "codice [codice fiscale] ok"),
        ("mio figlio Luca ha dolore", "mio figlio [nome] ha dolore"),
        ("ne ho parlato con D'Amico ieri", "ne ho parlato con [nome] ieri"),
        ("mi segue la Dott.ssa Bianchi", "mi segue la Dott.ssa [nome]"),
        ("mi segue il dott. Verdi", "mi segue il dott. [nome]"),
        ("Sono Anna Maria Neri", "Sono [nome] [nome] [nome]"),
    ],
)
def test_masks_personal_data(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mi seguono al Careggi e al Meyer, sono iscritta ad AIFOSF.",
        "Vado al Sant'Orsola di Bologna o al Gaslini di Genova?",
        "Quanta Vitamina D posso prendere?",
        "Ho la calcinosi. Posso fare sport? Grazie! Come si cura?",
        "Domanda: Quando devo fare gli esami?",
        "Ciao\nVorrei sapere del fosfato",
        "«Dove» trovo l'Ospedale in Toscana?",
        "ORPHA e RCO sono sigle",
    ],
)
def test_keeps_places_acronyms_and_sentence_starts(text: str) -> None:
    assert mask_personal_data(text) == text


def test_a_name_at_the_start_of_a_sentence_is_kept_but_the_surname_is_not() -> None:
    assert mask_personal_data("Giulia Bianchi ha male.") == "Giulia [nome] ha male."


def test_no_digit_survives() -> None:
    masked = mask_personal_data("a1b22 c333 +39 347 1234567 00 1 2026-03-30")
    assert not any(character.isdigit() for character in masked)
