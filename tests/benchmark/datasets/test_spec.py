"""``DatasetSpec.with_classes``: ``--classes`` checked against the dataset's events."""

import pytest

from benchmark.datasets import get_dataset_spec
from benchmark.errors import UserError


def test_classes_are_checked_against_the_datasets_events():
    spec = get_dataset_spec("FakeDataset")  # left_hand, right_hand, feet
    chosen = spec.with_classes(["feet", "left_hand"])
    assert chosen.classes == ("left_hand", "feet")  # the dataset's order: one choice
    assert chosen.with_classes(["left_hand", "feet"]) is chosen
    assert spec.with_classes([" right_hand", "left_hand "]) is spec  # the default: same key
    with pytest.raises(UserError, match="has no class tongue; its classes are left_hand, "
                                        "right_hand, feet: fix --classes"):
        spec.with_classes(["left_hand", "tongue"])
    with pytest.raises(UserError, match="at least two classes"):
        spec.with_classes(["left_hand"])
    with pytest.raises(UserError, match="names left_hand twice"):
        spec.with_classes(["left_hand", "left_hand", "feet"])


def test_a_catalogue_entry_takes_classes_of_its_moabb_class():
    spec = get_dataset_spec("BNCI2014001")
    four = spec.with_classes("left_hand,right_hand,feet,tongue".split(","))
    assert four.classes == ("left_hand", "right_hand", "feet", "tongue")
    assert (four.name, four.session, four.kwargs) == (spec.name, spec.session, spec.kwargs)
    assert get_dataset_spec("SynAlexMI").with_classes(["feet", "right_hand"]).classes == (
        "right_hand", "feet")
