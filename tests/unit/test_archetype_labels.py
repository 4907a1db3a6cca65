"""Each archetype has one name, in every text Nudge writes about it."""

from nudge.defaults.archetype_names import ARCHETYPE_LABELS, archetype_phrase


def test_every_archetype_has_one_label() -> None:
    assert ARCHETYPE_LABELS == {
        "big_spender": "Big spender",
        "high_flexibility": "Flexible user",
        "average_user": "Average user",
        "new_user": "New user",
    }


def test_the_phrase_in_a_sentence_is_the_label_with_its_article() -> None:
    assert archetype_phrase("big_spender") == "a big spender"
    assert archetype_phrase("high_flexibility") == "a flexible user"
    assert archetype_phrase("average_user") == "an average user"
