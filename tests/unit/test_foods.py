"""The staff's food table: finding foods in a message, and what is said about them."""

from __future__ import annotations

from bot.content import ContentStore
from bot.foods import FoodTable

TABLE = {
    "gruppi": {
        "ricco_fosforo": {"argomento": "dieta.cibi_ricchi_fosforo", "testo": "{alimento}: tanto fosforo."},
        "additivi": {"argomento": "dieta.additivi", "testo": "{alimento}: additivi."},
    },
    "alimenti": [
        {"nome": "parmigiano", "varianti": ["grana", "grana padano"], "gruppo": "ricco_fosforo"},
        {"nome": "bibita a base di cola", "marche": ["coca cola"], "gruppo": "additivi"},
        {"nome": "pasta", "gruppo": "ricco_fosforo"},
        {"nome": "pasta integrale", "gruppo": "additivi"},
        {"nome": "senza gruppo", "gruppo": "nessuno"},
    ],
}


def test_foods_are_found_by_variant_and_brand_with_positions_in_the_message() -> None:
    table = FoodTable(TABLE)
    text = "Il Grana Padano e la Coca-Cola vanno bene?"
    found = table.find(text)
    assert [m.name for m in found] == ["parmigiano", "bibita a base di cola"]
    assert [text[m.start : m.end] for m in found] == ["Grana Padano", "Coca-Cola"]


def test_the_longest_name_wins_and_each_food_counts_once() -> None:
    table = FoodTable(TABLE)
    assert [m.name for m in table.find("pasta integrale o pasta?")] == ["pasta integrale", "pasta"]
    assert [m.name for m in table.find("grana, grana e ancora grana")] == ["parmigiano"]
    assert table.find("senza gruppo") == []  # a food without a known group is left out


def test_what_is_said_comes_from_the_group() -> None:
    food = FoodTable(TABLE).food("parmigiano")
    assert food is not None
    assert (food.topic, food.text) == ("dieta.cibi_ricchi_fosforo", "Parmigiano: tanto fosforo.")


def test_the_real_table_is_consistent_with_the_catalogue() -> None:
    from bot.topics import content_topics

    data = ContentStore().texts("alimenti")
    table = FoodTable(data)
    assert len(table.foods) >= 60
    for name in table.foods:
        food = table.food(name)
        assert food is not None and food.topic in content_topics(), name
        assert table.find(name)[0].name == name, name


def test_the_extractor_finds_foods_and_survives_a_missing_table(tmp_path) -> None:
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.food_entities import FoodEntityExtractor

    [found] = FoodEntityExtractor(ContentStore()).process([Message({TEXT: "e il Grana?"})])
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in found.get(ENTITIES)] == [
        ("alimento", "parmigiano", 5, 10)
    ]
    [none] = FoodEntityExtractor(ContentStore(tmp_path)).process([Message({TEXT: "e il grana?"})])
    assert not none.get(ENTITIES)
    (tmp_path / "alimenti.yml").write_text("alimenti: [nome: 'nduja, grana]\n", encoding="utf-8")  # a typo
    [broken] = FoodEntityExtractor(ContentStore(tmp_path)).process([Message({TEXT: "e il grana?"})])
    assert not broken.get(ENTITIES)


def test_a_food_named_only_in_the_context_of_another_question_is_not_its_subject() -> None:
    from bot.nlu.food_entities import asked_foods

    table = FoodTable(TABLE)

    def subject(text: str) -> list[str]:
        return [m.name for m in asked_foods(text, table.find(text))]

    assert subject("ieri pasta e grana a pranzo. le analisi quando le rifaccio?") == []
    assert subject("mangio tanta pasta. il grana ha fosforo?") == ["parmigiano"]
    assert subject("mio figlio adora il grana. può mangiarlo?") == ["parmigiano"]
    assert subject("a casa si mangia tanto grana, cosa devo togliere?") == ["parmigiano"]
    assert subject("mangio tanto grana") == ["parmigiano"]


def test_a_food_the_sources_say_nothing_about_takes_the_diet_topic_understood() -> None:
    table = FoodTable(ContentStore().texts("alimenti"))
    wine, cheese = table.food("vino"), table.food("parmigiano")
    assert wine is not None and cheese is not None
    assert wine.topic_for("un bicchiere di vino a cena?", "dieta.cosa_mangiare") == "dieta.cosa_mangiare"
    assert wine.topic_for("il vino?", "terapia.farmaci") == wine.topic  # not a diet topic
    assert cheese.topic_for("il grana va bene?", "dieta.cosa_mangiare") == "dieta.cibi_ricchi_fosforo"


def test_a_food_word_in_another_sense_is_not_the_food() -> None:
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.food_entities import FoodEntityExtractor

    extractor = FoodEntityExtractor(ContentStore())
    nursing, milk, paste, pasta, greeting, cod_liver_oil, cod = extractor.process(
        [
            Message({TEXT: "sto allattando, il farmaco passa nel latte?"}),
            Message({TEXT: "il latte lo posso bere?"}),
            Message({TEXT: "dal bozzo esce una pasta bianca tipo gesso, che roba è?"}),
            Message({TEXT: "la pasta la posso mangiare?"}),
            Message({TEXT: "buondì a tutti, ogni quanto si fanno i controlli?"}),
            Message({TEXT: "e l'olio di fegato di merluzzo?"}),  # a vitamin D supplement
            Message({TEXT: "il merluzzo va bene?"}),
        ]
    )
    assert not nursing.get(ENTITIES) and not paste.get(ENTITIES) and not greeting.get(ENTITIES)
    assert not cod_liver_oil.get(ENTITIES)
    assert [e["value"] for e in cod.get(ENTITIES)] == ["merluzzo"]
    assert [e["value"] for e in milk.get(ENTITIES)] == ["latte"]
    assert [e["value"] for e in pasta.get(ENTITIES)] == ["pasta"]


def test_the_answer_names_the_food_as_the_message_wrote_it_but_never_a_brand() -> None:
    table = FoodTable(ContentStore().texts("alimenti"))
    sardines, cola, cheese = table.food("sardina", "sardine"), table.food("bibita a base di cola", "Coca Cola"), table.food("parmigiano", "Parmigiano")
    assert sardines is not None and sardines.text.startswith("Sardina (sardine): ")
    assert cola is not None and cola.text.startswith("Bibita a base di cola: ")
    assert cheese is not None and cheese.text.startswith("Parmigiano: ")


def test_of_several_foods_the_answer_proposes_the_one_to_limit_first() -> None:
    """"panino col salame": both foods are answered, under the salami's topic (its group
    comes before bread's in the table)."""
    table = FoodTable(ContentStore().texts("alimenti"))
    bread, salami = table.food("pane"), table.food("salame")
    assert bread is not None and salami is not None
    assert table.first_to_limit([bread, salami]) is salami
    assert table.first_to_limit([salami, bread]) is salami
    assert table.first_to_limit([bread]) is bread
