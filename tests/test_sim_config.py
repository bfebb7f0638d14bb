"""Bad YAML and bad --sweep give one line naming the file, line and field (or the option)."""

from __future__ import annotations

import random

import pytest

from keepword.errors import BadInput
from sim.api import load_sim_config
from sim.config import SimConfig
from sim.distributions import parse_dist, weighted_choice
from sim.sweep import apply_point, grid, group_label, parse_sweep

GOOD = """\
name: tiny
description: a scenario with a simulation section and other keys the journeys own
store: stores/demo.yaml
simulation:
  calendar: {days: 3}
  warehouse:
    shifts:
      - {start: "06:00", end: "14:00", packers: 2}
"""


def write(tmp_path, text):
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def test_the_bundled_scenarios_load():
    for name in ("baseline", "ad-spike", "black-friday"):
        config = load_sim_config(f"scenarios/{name}.yaml")
        assert config.calendar.days == 28
    assert load_sim_config("scenarios/ad-spike.yaml").traffic.campaigns[0].multiplier == 2


def test_only_the_simulation_section_is_validated(tmp_path):
    config = load_sim_config(write(tmp_path, GOOD))
    assert config.calendar.days == 3 and config.warehouse.shifts[0].packers == 2
    assert config.warehouse.shifts[0].start == 360


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{days: 3}", "{dayz: 3}", ":5: simulation.calendar.dayz: unknown key; check its spelling"),
    ("packers: 2}", "pakcers: 2}", ":8: simulation.warehouse.shifts.0.packers: required field is missing"),
    ("packers: 2}", "packers: -1}", ":8: simulation.warehouse.shifts.0.packers: Input should be greater than or equal to 0"),
    ('start: "06:00"', 'start: "6 o\'clock"', ":8: simulation.warehouse.shifts.0.start: "),
    ("calendar: {days: 3}", "calendar: {days: 3}\n  support: {handle_min: {gauss: 3}}",
     ":6: simulation.support.handle_min: unknown distribution 'gauss'"),
    ("calendar: {days: 3}", "calendar: {days: 3}\n  promise: {rule: vibes}", ":6: simulation.promise.rule: "),
])
def test_bad_simulation_keys_name_file_line_and_field(tmp_path, old, new, message):
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(BadInput) as caught:
        load_sim_config(path)
    assert str(caught.value).startswith(str(path)), caught.value
    assert message in str(caught.value), caught.value


def test_a_scenario_without_a_simulation_section_says_so(tmp_path):
    with pytest.raises(BadInput, match=r"scenario.yaml:1: simulation: the scenario has no `simulation:` section"):
        load_sim_config(write(tmp_path, "name: x\n"))


def test_distributions_parse_and_sample_with_their_mean():
    rng = random.Random(3)
    for spec, mean in [({"exp": 4}, 4), ({"between": [2, 6]}, 4), ({"lognormal": {"mean": 4, "sd": 2}}, 4),
                       ({"triangular": [1, 4, 7]}, 4), ({"choice": {3: 1, 5: 1}}, 4), (4, 4)]:
        dist = parse_dist(spec)
        draw = dist.sampler(rng)
        sample = sum(draw() for _ in range(20000)) / 20000
        assert dist.mean == pytest.approx(mean)
        assert sample == pytest.approx(mean, rel=0.05), spec
    with pytest.raises(ValueError, match="LOW must not exceed HIGH"):
        parse_dist({"between": [6, 2]})


@pytest.mark.parametrize(("u", "expected"), [
    (0.0, "a"), (0.4999, "a"), (0.5, "b"), (0.7499, "b"), (0.75, "c"), (0.9999999, "c"),
    (1.0, "rounding"),  # rnd() * total rounded up to total: the last value, never an IndexError
])
def test_weighted_choice_picks_by_running_totals(u, expected):
    pick = weighted_choice(["a", "b", "c", "rounding"], [2, 1, 1, 0], lambda: u)
    assert pick() == expected


def test_weighted_choice_frequencies_follow_the_weights():
    pick = weighted_choice(["near", "far"], [0.6, 0.4], random.Random(5).random)
    draws = [pick() for _ in range(20000)]
    assert draws.count("near") / len(draws) == pytest.approx(0.6, abs=0.015)
    with pytest.raises(ValueError, match="one weight per value"):
        weighted_choice(["a"], [1, 2], random.random)


@pytest.mark.parametrize(("text", "values"), [
    ("packers=3..8", (3, 4, 5, 6, 7, 8)),
    ("ad_multiplier=1,1.5,2", (1, 1.5, 2)),
    ("support.agents=1..3", (1, 2, 3)),
    ("conversion=0.02..0.04:0.01", (0.02, 0.03, 0.04)),
])
def test_sweep_syntax(text, values):
    assert parse_sweep(text).values == values


@pytest.mark.parametrize("text", ["packers", "packers=", "packers=8..3", "packers=3..", "=3", "packers=1,,2",
                                  "packers=1,1", "staff=3..5", "packers=1..2:0"])
def test_bad_sweep_syntax_names_the_option(text):
    with pytest.raises(BadInput) as caught:
        parse_sweep(text)
    assert str(caught.value).startswith(f"--sweep {text!r}:"), caught.value


def test_grid_labels_and_applying_points():
    points = grid([parse_sweep("packers=3..4"), parse_sweep("ad_multiplier=1,2")])
    assert [group_label(p) for p in points] == [
        "packers=3 ad_multiplier=1", "packers=3 ad_multiplier=2", "packers=4 ad_multiplier=1", "packers=4 ad_multiplier=2"]
    assert group_label({}) == "all"
    config = apply_point(load_sim_config("scenarios/ad-spike.yaml"), points[-1])
    assert [s.packers for s in config.warehouse.shifts] == [4, 4]
    assert config.traffic.campaigns[0].multiplier == 2
    plain = apply_point(SimConfig(), {"ad_multiplier": 1.5})
    assert plain.traffic.campaigns[0].multiplier == 1.5 and plain.traffic.campaigns[0].end == 28
    with pytest.raises(BadInput, match=r"--sweep support.agents=-1: Input should be greater than or equal to 0"):
        apply_point(SimConfig(), {"support.agents": -1})
    with pytest.raises(BadInput, match=r"--sweep support\.nobody: no such key"):
        apply_point(SimConfig(), {"support.nobody": 1})
