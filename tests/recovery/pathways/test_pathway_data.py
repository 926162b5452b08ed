"""The shipped pathway templates: they load, cite real sources and cover every technique."""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from recovery.pathways.loader import DEFAULT_DIRECTORY, PathwayError, clear_cache, load_pathways
from recovery.pathways.schema import TECHNIQUES, PathwayTemplate

REFERENCE = Path(__file__).resolve().parents[4] / "shared/clinical/REFERENCE.md"
TEMPLATE_FILES = sorted(DEFAULT_DIRECTORY.glob("*.yaml"))
REQUIRED_COVERAGE = {
    # concern -> item codes that satisfy it (any one, somewhere in the template)
    "bending/lifting/twisting": {"no_blt"},
    "lifting limit": {"lifting_limit"},
    "sitting": {"sitting_limit"},
    "walking": {"walking_goal"},
    "driving": {"no_driving"},
    "driving on opioids": {"driving_not_on_opioids", "driving_when_cleared"},
    "brace": {"brace"},
    "nicotine": {"no_nicotine"},
    "nicotine cessation (smokers)": {"nicotine_cessation"},
    "NSAIDs": {"no_nsaids"},
    "showering": {"shower_ok"},
    "bathing/swimming": {"no_bath_swim"},
    "wound care": {"wound_care"},
    "sexual activity": {"no_sexual_activity", "sexual_activity"},
    "desk work": {"return_desk_work"},
    "manual work": {"no_manual_work", "return_manual_work"},
    "physiotherapy": {"physiotherapy"},
}
REQUIRED_MILESTONES = {
    "first_walk",
    "discharge",
    "wound_check_suture_removal",
    "stop_opioids",
    "driving_again",
    "return_desk_work",
    "physiotherapy_start",
    "visit_3m",
    "visit_6m",
    "visit_1y",
    "visit_2y",
    "ct_fusion_1y",
    "return_manual_work",
    "yearly_review",
    "nicotine_free_6m",
}


@pytest.fixture(scope="module")
def templates() -> dict[str, PathwayTemplate]:
    return load_pathways()


def _reference_ids() -> set[str]:
    text = REFERENCE.read_text(encoding="utf-8")
    sources_section = text[text.index("## 8.") :]
    return set(re.findall(r"^(R\d+)\. ", sources_section, flags=re.MULTILINE))


def _all_citations(template: PathwayTemplate) -> list[tuple[str, str]]:
    cited = [
        (f"item {p.code}/{i.code}", s) for p in template.phases for i in p.items for s in i.sources
    ]
    cited += [(f"milestone {m.code}", s) for m in template.milestones for s in m.sources]
    cited += [(f"parameter {p.name}", s) for p in template.parameters for s in p.sources]
    return cited


def _copy_templates(tmp_path: Path) -> Path:
    for path in TEMPLATE_FILES:
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    change(data)
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False))


@pytest.fixture
def broken_dir(tmp_path: Path):
    clear_cache()
    yield _copy_templates(tmp_path)
    clear_cache()


def test_it_ships_one_template_per_approach_family(templates):
    assert set(templates) == {"open_posterior", "mis_tlif", "lateral", "anterior"}


@pytest.mark.parametrize("technique", TECHNIQUES)
def test_it_maps_each_technique_to_exactly_one_template(templates, technique):
    owners = [t.code for t in templates.values() if technique in t.techniques]
    assert len(owners) == 1, owners


@pytest.mark.parametrize(
    ("technique", "template_code"),
    [
        ("plf", "open_posterior"),
        ("plif", "open_posterior"),
        ("tlif", "open_posterior"),
        ("mis_tlif", "mis_tlif"),
        ("llif", "lateral"),
        ("olif", "anterior"),
        ("alif", "anterior"),
    ],
)
def test_it_groups_techniques_as_the_reference_does(templates, technique, template_code):
    assert technique in templates[template_code].techniques


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/clinical/REFERENCE.md not present")
@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_it_cites_only_sources_listed_in_the_reference(templates, path):
    known = _reference_ids()
    assert len(known) > 100  # the parser found the source list, not an empty section
    unknown = [(where, s) for where, s in _all_citations(templates[path.stem]) if s not in known]
    assert unknown == []


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_it_gives_every_item_and_milestone_a_source(templates, path):
    template = templates[path.stem]
    unsourced = [i.code for p in template.phases for i in p.items if not i.sources]
    unsourced += [m.code for m in template.milestones if not m.sources]
    assert unsourced == []


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_it_has_contiguous_phases_from_surgery_day_to_open_end(templates, path):
    phases = templates[path.stem].phases
    assert phases[0].start_day == 0
    assert phases[-1].end_day is None
    for before, after in itertools.pairwise(phases):
        assert after.start_day == before.end_day + 1


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("concern", sorted(REQUIRED_COVERAGE))
def test_it_covers_every_required_restriction(templates, path, concern):
    codes = {i.code for p in templates[path.stem].phases for i in p.items}
    assert codes & REQUIRED_COVERAGE[concern]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_it_has_every_required_milestone(templates, path):
    codes = {m.code for m in templates[path.stem].milestones}
    assert REQUIRED_MILESTONES - codes == set()


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_it_states_the_lifting_limit_in_kg_and_lb(templates, path):
    first = templates[path.stem].phases[0]
    lifting = next(i for i in first.items if i.code == "lifting_limit")
    assert set(lifting.values) == {"kg", "lb"}


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_it_is_a_draft_until_a_clinician_approves_it(templates, path):
    assert templates[path.stem].review.status == "draft"


def test_it_loads_a_copy_of_the_shipped_templates(broken_dir):
    assert set(load_pathways(broken_dir)) == {p.stem for p in TEMPLATE_FILES}


def _break_phase_gap(data):
    data["phases"][1]["start_day"] = 20


def _break_phase_overlap(data):
    data["phases"][1]["start_day"] = 10


def _break_duplicate_item(data):
    data["phases"][0]["items"].append(dict(data["phases"][0]["items"][0]))


def _break_duplicate_milestone(data):
    data["milestones"].append(dict(data["milestones"][0]))


def _break_applies_if(data):
    data["phases"][0]["items"][0]["applies_if"] = "diabetic"


def _break_missing_sources(data):
    data["milestones"][0]["sources"] = []


def _break_source_id(data):
    data["phases"][0]["items"][0]["sources"] = ["70"]


def _break_placeholder(data):
    data["phases"][0]["items"][0]["title"] = "Lift under {stone} stone"


def _break_kg_lb(data):
    lifting = next(i for i in data["phases"][0]["items"] if i["code"] == "lifting_limit")
    lifting["values"]["kg"] = 10


def _break_parameter_default(data):
    data["parameters"][0]["default"] = 99


def _break_double_mapping(data):
    data["techniques"].append("alif")


def _break_unmapped(data):
    data["techniques"] = ["plf", "plif"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_break_phase_gap, "gap between phases weeks_0_2 and weeks_2_6"),
        (_break_phase_overlap, "phases weeks_0_2 and weeks_2_6 overlap"),
        (_break_duplicate_item, "duplicate item code in phase weeks_0_2 'no_blt'"),
        (_break_duplicate_milestone, "duplicate milestone code 'first_walk'"),
        (_break_applies_if, "phases.0.items.0.applies_if"),
        (_break_missing_sources, "milestones.0.sources"),
        (_break_source_id, "phases.0.items.0.sources.0"),
        (_break_placeholder, "title uses {stone}"),
        (_break_kg_lb, "values kg 10 does not match lb 10"),
        (_break_parameter_default, "parameter lifting_limit_lb: default 99 differs"),
        (_break_double_mapping, "technique 'alif' is mapped by 2 templates"),
        (_break_unmapped, "technique 'tlif' is not mapped by any template"),
    ],
)
def test_it_rejects_a_broken_template_naming_the_problem(broken_dir, change, expected):
    _edit(broken_dir / "open_posterior.yaml", change)
    with pytest.raises(PathwayError) as caught:
        load_pathways(broken_dir)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_it_reports_every_problem_at_once(broken_dir):
    _edit(broken_dir / "open_posterior.yaml", _break_phase_gap)
    _edit(broken_dir / "lateral.yaml", _break_duplicate_milestone)
    with pytest.raises(PathwayError) as caught:
        load_pathways(broken_dir)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "lateral.yaml",
        "open_posterior.yaml",
    ]


def test_it_rejects_a_file_whose_code_differs_from_its_name(broken_dir):
    (broken_dir / "open_posterior.yaml").rename(broken_dir / "open.yaml")
    with pytest.raises(PathwayError, match="does not match the file name 'open'"):
        load_pathways(broken_dir)


def test_it_rejects_an_empty_directory(tmp_path):
    with pytest.raises(PathwayError, match=r"no \*\.yaml pathway templates"):
        load_pathways(tmp_path)
