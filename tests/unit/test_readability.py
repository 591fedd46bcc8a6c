"""Unit tests for bot.readability (Gulpease index and Markdown stripping).

Expected values are computed by hand in the comments:
G = 89 + (300 * sentences - 10 * letters) / words.
"""

from __future__ import annotations

import pytest

from bot.readability import (
    count_letters,
    count_sentences,
    count_words,
    gulpease,
    gulpease_markdown,
    markdown_to_plain,
)

# --- gulpease on plain text -------------------------------------------------------------


def test_known_short_text_exact_score() -> None:
    text = "La calcinosi tumorale è rara. Non è un cancro."
    # words: La calcinosi tumorale è rara Non è un cancro = 9
    # letters: 2+9+8+1+4 + 3+1+2+6 = 36; sentences: 2
    assert count_words(text) == 9
    assert count_letters(text) == 36
    assert count_sentences(text) == 2
    assert gulpease(text) == pytest.approx(89 + (600 - 360) / 9)  # 115.667


def test_second_known_text_exact_score() -> None:
    text = "Il medico ti aiuta. Chiedi sempre a lui!"
    # words 8; letters: 2+6+2+5 + 6+6+1+3 = 31; sentences 2
    assert gulpease(text) == pytest.approx(89 + (600 - 310) / 8)  # 125.25


def test_apostrophe_splits_words() -> None:
    # L' + acqua + è + calda = 4 words, 12 letters, 1 sentence
    assert count_words("L'acqua è calda.") == 4
    assert gulpease("L'acqua è calda.") == pytest.approx(89 + (300 - 120) / 4)  # 134.0
    assert count_words("Dell’osso") == 2  # typographic apostrophe too


def test_accented_letters_count_digits_do_not() -> None:
    assert count_letters("perché più 12") == 9
    assert count_words("perché più 12 - , ;") == 3  # a number is a word, punctuation is not


def test_long_words_score_lower_than_short_words() -> None:
    short = "Il sole è caldo. Il mare è blu. Noi siamo qui."
    long = (
        "Ipermineralizzazione corticale documentata radiograficamente, "
        "caratterizzazione metabolica approfondita e valutazione multidisciplinare."
    )
    # long: 1 sentence, 10 words, letters 20+9+11+17+17+10+12+1+11+17 = 125
    # -> 89 + (300 - 1250) / 10 = -6.0
    assert gulpease(long) == pytest.approx(-6.0)
    assert gulpease(long) < 40 < 80 < gulpease(short)


def test_more_sentences_score_higher() -> None:
    one = "Mangia frutta e verdura fresca e bevi acqua e non bere bibite."
    three = "Mangia frutta e verdura fresca. Bevi acqua. Non bere bibite."
    assert count_sentences(one) == 1
    assert count_sentences(three) == 3
    assert gulpease(three) > gulpease(one)


def test_dots_inside_numbers_and_addresses_are_not_sentence_ends() -> None:
    assert count_sentences("Il valore è 3.5 oggi.") == 1
    # words: Il valore è 3.5 oggi = 5; letters 2+6+1+4 = 13
    assert gulpease("Il valore è 3.5 oggi.") == pytest.approx(89 + (300 - 130) / 5)  # 123.0
    assert count_sentences("Visita www.aifosf.it per saperne di più.") == 1


def test_abbreviation_inside_line_is_not_a_sentence_end() -> None:
    assert count_sentences("Evita cibi pronti, es. salumi e formaggi.") == 1
    assert count_sentences("Frutta, verdura ecc. Poi pasta.") == 1  # "ecc." is skipped
    assert count_sentences("Latte, yogurt ecc.") == 1  # at the end of a line it still ends


def test_ellipsis_and_runs_count_once() -> None:
    assert count_sentences("Aspetta... Davvero?! Sì…") == 3


def test_lines_without_final_punctuation_count_as_sentences() -> None:
    text = "Da evitare:\nlatte\nformaggi stagionati"
    # 3 lines, none ends with . ! ? -> 3 sentences
    # words: Da evitare latte formaggi stagionati = 5; letters 2+7+5+8+10 = 32
    assert count_sentences(text) == 3
    assert gulpease(text) == pytest.approx(89 + (900 - 320) / 5)  # 205.0


def test_at_least_one_sentence_and_no_words_raises() -> None:
    assert count_sentences("") == 1
    with pytest.raises(ValueError):
        gulpease("  ... ,, --  ")


# --- markdown_to_plain ------------------------------------------------------------------


def test_markdown_headings_bullets_and_emphasis_are_stripped() -> None:
    md = (
        "# Titolo grande\n"
        "\n"
        "Una **frase** in *corsivo* e _anche_ __questa__.\n"
        "\n"
        "- primo punto\n"
        "* secondo punto\n"
        "1. terzo punto\n"
        "2) quarto punto\n"
    )
    assert markdown_to_plain(md) == (
        "Titolo grande\n"
        "Una frase in corsivo e anche questa.\n"
        "primo punto\n"
        "secondo punto\n"
        "terzo punto\n"
        "quarto punto"
    )


def test_markdown_links_and_inline_code() -> None:
    md = "Vai su [il sito AIFOSF](https://www.aifosf.it) e leggi `E338` nell'etichetta."
    assert markdown_to_plain(md) == "Vai su il sito AIFOSF e leggi E338 nell'etichetta."


def test_markdown_keeps_underscores_inside_words() -> None:
    assert markdown_to_plain("Argomento condizione.cos_e qui.") == (
        "Argomento condizione.cos_e qui."
    )


def test_markdown_soft_wrapped_paragraph_is_one_line() -> None:
    md = "Questa frase va\na capo due volte\nma è una sola.\n\nSeconda frase."
    plain = markdown_to_plain(md)
    assert plain == "Questa frase va a capo due volte ma è una sola.\nSeconda frase."
    assert count_sentences(plain) == 2


def test_markdown_list_item_continuation_joins_item() -> None:
    md = "- una voce\n  che continua\n- altra voce"
    assert markdown_to_plain(md) == "una voce che continua\naltra voce"


def test_markdown_rules_quotes_and_fences_vanish() -> None:
    md = "Prima.\n\n---\n\n> Citata.\n\n```\ncodice\n```\n"
    assert markdown_to_plain(md) == "Prima.\nCitata.\ncodice"


def test_gulpease_markdown_equals_gulpease_of_plain() -> None:
    md = "## Cosa fare\n\n- Bevi **acqua**.\n- Evita la cola\n\nChiedi al [medico](http://x)."
    plain = markdown_to_plain(md)
    assert plain == "Cosa fare\nBevi acqua.\nEvita la cola\nChiedi al medico."
    # sentences: heading 1 + "Bevi acqua." 1 + "Evita la cola" 1 + final 1 = 4
    # words: Cosa fare Bevi acqua Evita la cola Chiedi al medico = 10
    # letters: 4+4+4+5+5+2+4+6+2+6 = 42
    assert gulpease_markdown(md) == pytest.approx(89 + (1200 - 420) / 10)  # 167.0
    assert gulpease_markdown(md) == gulpease(plain)


def test_markup_does_not_change_the_score() -> None:
    plain = "Il fosforo è alto. Chiedi al medico."
    md = "**Il fosforo** è _alto_. Chiedi al [medico](https://example.org/a.b)."
    assert gulpease_markdown(md) == pytest.approx(gulpease(plain))
