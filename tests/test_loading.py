"""Bad YAML gives one line naming the file, the line and the field: never a traceback."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import BaseModel, ConfigDict

from keepword.errors import BadInput
from keepword.loading import load_document, load_model


class Store(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str
    shoppers: int = 1
    tolerance: Decimal = Decimal("0")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    store: Store
    journeys: list[str] = []


GOOD = """\
name: demo
store:
  url: http://127.0.0.1:8000
  shoppers: 4
journeys: [guest_checkout]
"""


def _write(tmp_path, text):
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def test_a_good_file_loads(tmp_path):
    scenario = load_model(_write(tmp_path, GOOD), Scenario)
    assert scenario.store.shoppers == 4 and scenario.journeys == ["guest_checkout"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(GOOD.replace("shoppers: 4", "shoppers: [4"), r":5: YAML syntax error", id="syntax"),
        pytest.param(GOOD.replace("shoppers: 4", "shoppers: lots"),
                     r":4: store\.shoppers: Input should be a valid integer.*'lots'", id="wrong-type"),
        pytest.param(GOOD.replace("shoppers: 4", "shopers: 4"), r":4: store\.shopers: unknown key", id="unknown-key"),
        pytest.param(GOOD.replace("  url: http://127.0.0.1:8000\n", ""),
                     r":2: store\.url: required field is missing", id="missing-field"),
        pytest.param(GOOD + "name: again\n", r":6: name: duplicate key", id="duplicate-key"),
        pytest.param("", r":1: the file is empty", id="empty"),
    ],
)
def test_bad_yaml_gives_one_line_naming_file_line_and_field(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(BadInput, match=expected) as info:
        load_model(path, Scenario)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert "\n" not in message
    assert info.value.exit_code == 2


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        load_model(tmp_path / "nope.yaml", Scenario)


def test_a_section_is_validated_with_the_lines_of_the_whole_file(tmp_path):
    path = _write(tmp_path, "name: x\nsimulation:\n  url: http://x\n  shoppers: many\n")
    with pytest.raises(BadInput, match=r":4: simulation\.shoppers: "):
        load_document(path).validate(Store, at=("simulation",))


def test_yaml_cannot_build_python_objects(tmp_path):
    path = _write(tmp_path, "name: !!python/object/apply:os.system ['true']\nstore: {url: x}\n")
    with pytest.raises(BadInput, match="YAML syntax error"):
        load_model(path, Scenario)


@pytest.mark.parametrize("text, said", [
    ("name: x\nshop\x00ers: 1\n", "f.yaml:2: a control character (U+0000) that YAML does not allow; remove it"),
    ("name: x\nseed: 1\n~: 3\n", "f.yaml:3: ~: YAML reads this key as null, not a name; quote it ('~':)"),
    ("name: x\nseed: 1\nyes: 3\n", "f.yaml:3: yes: YAML reads this key as true or false, not a name"),
])
def test_keys_and_characters_yaml_reads_otherwise_are_named_at_their_line(tmp_path, text, said):
    """A NUL was reported over two lines by character position; `~:` and `yes:` at line 1 as the
    fields "None" and "1"."""
    from keepword.errors import BadInput
    from keepword.loading import load_document

    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_document(path)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / said.split(":")[0])) and said in message and "\n" not in message, message
