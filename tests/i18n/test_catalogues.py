"""The translation catalogues: every string marked in the code and templates has a translation
in French, Spanish and Arabic, with no fuzzy, obsolete or stale entry, and the same
placeholders as the English."""

from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "es", "ar")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_l": None,
    "N_": None,
}  # babel.cfg adds NP_ and lazy_pgettext (a msgctxt) for the Python files


def _searched(path: str) -> bool:
    """Only the directories babel.cfg names (not .venv, whose walk alone takes seconds)."""
    relative = Path(path).relative_to(ROOT).parts
    return not relative or relative[0] in {"registry", "templates"}


@cache
def marked() -> Catalog:
    """Every message marked in the source, as `pybabel extract -F babel.cfg -k _l -k N_` finds
    them (the README's command)."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_searched
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po(language: str) -> Catalog:
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated(language):
    source = marked()
    assert len(source) > 1000  # the extraction found the code and templates
    catalogue = _po(language)
    missing, untranslated = [], []
    for message in source:
        if not message.id:
            continue
        entry = catalogue.get(message.id, context=message.context)
        if entry is None:
            missing.append((message.context, message.id))
        elif not entry.string or (isinstance(entry.string, tuple | list) and not all(entry.string)):
            untranslated.append(message.id)
    assert missing == [], f"{language}: not in the catalogue (run the README's update)"
    assert untranslated == [], f"{language}: no translation"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_fuzzy_obsolete_or_stale_entry(language):
    catalogue = _po(language)
    source_ids = {(message.context, message.id) for message in marked() if message.id}
    assert [m.id for m in catalogue if m.id and m.fuzzy] == []
    assert list(catalogue.obsolete) == []
    # An entry nothing marks any more: a string changed in the code, its translation stale.
    stale = [(m.context, m.id) for m in catalogue if m.id and (m.context, m.id) not in source_ids]
    assert stale == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_plural_forms(language):
    catalogue = _po(language)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert problems == []
    expected = {"fr": 3, "es": 3, "ar": 6}[language]  # CLDR's plural rules, as Babel has them
    assert catalogue.num_plurals == expected
    plurals = [m for m in catalogue if m.pluralizable and m.id]
    assert plurals and all(len(m.string) == expected for m in plurals)


def test_catalogues_are_compiled_at_start_once_and_readable(tmp_path):
    """A fresh clone has only the .po files: the app compiles them at its first start (and a
    .po edited later again), never a second time for nothing."""
    import os
    import shutil

    from babel.support import Translations

    from registry.i18n import compile_catalogues

    for language in LANGUAGES:
        source = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(source, target)
    assert compile_catalogues(tmp_path) == 3
    assert compile_catalogues(tmp_path) == 0
    mo = tmp_path / "ar" / "LC_MESSAGES" / "messages.mo"
    assert mo.stat().st_mode & 0o777 == 0o644
    arabic = Translations.load(str(tmp_path), ["ar"])
    assert arabic.gettext("Pledge & Partnership Registry") == "سجل التعهدات والشراكات"
    assert arabic.ngettext("%(num)d commitment", "%(num)d commitments", 2) == "التزامان"
    assert arabic.ngettext("%(num)d commitment", "%(num)d commitments", 5) % {"num": 5} == (
        "5 التزامات"
    )
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    later = mo.stat().st_mtime + 10
    os.utime(po, (later, later))
    assert compile_catalogues(tmp_path) == 1


def test_a_short_word_with_two_meanings_has_a_context_for_each():
    """ "State" (a country's government, or where a record stands), "Open" (a form that takes
    input, or the button that opens a report), "Active" and "Closed" are marked with a msgctxt
    for each meaning, and translated apart where the languages tell them apart."""
    source = marked()
    for word, contexts in {
        "State": {"stakeholder type", "record state"},
        "Open": {"form state", "action"},
        "Active": {"engagement stage", "user account", "invitation"},
        "Closed": {"form state", "engagement stage"},
        "Report": {None, "action"},  # a report (noun) / the button to report on a commitment
        "Review": {None, "action"},  # the review (a page's title) / the link to review one
        "Submitted": {None, "date"},  # a signature's status / the column of submission dates
    }.items():
        assert {m.context for m in source if m.id == word} == contexts, word
    arabic, french = _po("ar"), _po("fr")
    assert arabic.get("State", context="stakeholder type").string == "دولة"
    assert arabic.get("State", context="record state").string == "الحالة"
    assert french.get("Open", context="form state").string == "Ouvert"
    assert french.get("Open", context="action").string == "Ouvrir"
    assert french.get("Report", context="action").string == "Rendre compte"
