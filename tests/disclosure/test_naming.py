"""Display names and the small-group rules: descriptions of anonymised organisations (by type
and region, or by type only when fewer than `DISCLOSURE_MIN_GROUP` share one in an output),
"fewer than 3" for small counts, and the other names an organisation is also known by."""

from __future__ import annotations

import pytest

from registry.disclosure import View
from registry.disclosure.naming import (
    Describer,
    PublicCount,
    described_by_type,
    described_with_region,
    in_text,
)
from registry.models import Organisation, StakeholderType, Visibility

_ids = iter(range(1, 10_000))


def _org(**fields) -> Organisation:
    values = {
        "name": "Zyxwv Collective",
        "stakeholder_type": StakeholderType.national_ngo,
        "visibility": Visibility.anonymised,
    } | fields
    organisation = Organisation(**values)
    organisation.id = next(_ids)
    return organisation


def test_descriptions_of_refugee_led_organisations():
    kenya = _org(stakeholder_type=StakeholderType.refugee_led_organisation, country="KEN")
    assert described_with_region(kenya) == (
        "A refugee-led organisation in East and Horn of Africa and the Great Lakes"
    )
    assert described_by_type(kenya) == "A refugee-led organisation"
    # A refugee-led media outlet is described as refugee-led.
    outlet = _org(stakeholder_type=StakeholderType.media_outlet, is_refugee_led=True, country="SYR")
    assert (
        described_with_region(outlet)
        == "A refugee-led organisation in Middle East and North Africa"
    )
    nowhere = _org(stakeholder_type=StakeholderType.refugee_led_organisation)
    assert described_with_region(nowhere) == "A refugee-led organisation in an undisclosed region"


@pytest.mark.parametrize("stakeholder_type", list(StakeholderType), ids=lambda t: t.name)
def test_a_description_never_contains_the_name(stakeholder_type):
    organisation = _org(acronym="ZYX", stakeholder_type=stakeholder_type, country="FRA")
    for described in (described_with_region(organisation), described_by_type(organisation)):
        assert described.startswith(("A ", "An "))
        assert "Zyxwv" not in described and "ZYX" not in described
    assert " in Europe" in described_with_region(organisation)
    if stakeholder_type is StakeholderType.technology_company:
        assert described_with_region(organisation) == (
            "An organisation in Europe (Technology company)"
        )
        assert described_by_type(organisation) == "An organisation (Technology company)"


def test_a_description_is_coarsened_below_the_threshold():
    rlo = StakeholderType.refugee_led_organisation
    kenya = [_org(stakeholder_type=rlo, country="KEN") for _ in range(3)]
    uganda_and_poland = [
        _org(stakeholder_type=rlo, country="UGA"),  # same region as Kenya
        _org(stakeholder_type=rlo, country="POL"),
    ]
    describer = Describer(kenya + uganda_and_poland, threshold=3)
    assert describer.describe(kenya[0]).endswith("in East and Horn of Africa and the Great Lakes")
    assert describer.describe(uganda_and_poland[0]) == describer.describe(kenya[0])
    assert describer.describe(uganda_and_poland[1]) == "A refugee-led organisation"  # alone
    # Not among the output's organisations: the coarse form, whatever its region.
    assert Describer([], threshold=3).describe(kenya[0]) == "A refugee-led organisation"
    # A public organisation is never described; its region may always be said.
    public = _org(visibility=Visibility.public, country="KEN")
    assert Describer([public], threshold=3).shows_region(public)
    # A threshold of 1 never coarsens.
    assert (
        Describer(uganda_and_poland, threshold=1)
        .describe(uganda_and_poland[1])
        .endswith("in Europe")
    )


def test_public_counts_print_fewer_than_k_for_small_groups():
    assert str(PublicCount(5, 5, 3)) == "5"
    assert str(PublicCount(2, 2, 3)) == "fewer than 3"
    assert str(PublicCount(7, 1, 3)) == "fewer than 3"  # seven of one organisation's
    assert str(PublicCount(0, 0, 3)) == "0"
    assert str(PublicCount(2, 2, 3, exact=True)) == "2"  # the output's whole total
    assert PublicCount(2, 2, 3).is_small and not PublicCount(3, 3, 3).is_small


def test_the_threshold_comes_from_the_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "DISCLOSURE_MIN_GROUP", 5)
    assert str(View().count(4)) == "fewer than 5"
    assert str(View("internal").count(4)) == "4"  # internal outputs are exact


def test_a_name_replaced_in_a_sentence_reads_as_a_description():
    assert in_text("A refugee-led organisation") == "[a refugee-led organisation]"


def test_other_names_are_kept_clean_and_compared_as_names(db, make_org):
    from registry.organisations import queries
    from registry.organisations.operations import set_other_names

    organisation = make_org(name="Голос Беженцев")
    set_other_names(organisation, ["  Refugee   Voice ", "", "Refugee Voice", "Voix Réfugiée"])
    db.session.commit()
    assert organisation.other_names == ["Refugee Voice", "Voix Réfugiée"]
    assert queries.find_similar_organisations("REFUGEE VOICE") == [organisation]
    assert queries.find_similar_organisations("voix refugiee") == [organisation]
    assert queries.find_similar_organisations("ГОЛОС беженцев") == [organisation]


def test_a_public_name_that_contains_a_protected_one_has_it_replaced(db, pledge, make_org):
    from registry.disclosure.pledges import public_signatories
    from registry.models import Signature, SignatureStatus

    make_org(name="Sauti ya Wakimbizi", acronym="SYW", visibility=Visibility.anonymised)
    friends = make_org(name="Friends of Sauti ya Wakimbizi", acronym="FSYW")
    db.session.add(Signature(pledge=pledge, organisation=friends, status=SignatureStatus.accepted))
    db.session.commit()
    [named] = public_signatories(View(), pledge.id).named
    assert named.name == "Friends of [an organisation (National or local NGO / civil society)]"
    assert named.acronym == "FSYW"  # another word than SYW
