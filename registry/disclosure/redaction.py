"""Finding a protected organisation's identifiers in free text, in every script, and replacing
them. Pure functions over `Identifier`s: no database, no request.

Text and identifiers are compared folded (`registry.text.fold`: NFKC, casefold, no diacritics),
on the letters and digits alone, so "Sauti-Ya Wakimbizi", "#SautiYaWakimbizi" and
"sautiyawakimbizi.example.org/…" all contain the name "Sauti ya Wakimbizi". Three ways to match:

- **anywhere**: names and other names of six letters or more, and names in scripts written
  without spaces (Chinese, Japanese, Thai …), wherever their letters appear in a row;
- **words**: short names and acronyms, and people's names, only as whole words (an acronym also
  spelled with dots or spaces, "R.V.A."; an Arabic word also after an attached و ف ب ل ك or ال);
- **host**: websites and e-mail domains, as a whole host name (after "www." or a subdomain too).

A match is replaced from its first to its last character in the original text, marks included.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from registry.text import fold, fold_with_positions

#: Identifiers with fewer letters and digits than this match only as whole words.
LONG = 6
ANYWHERE, WORDS, HOST = "anywhere", "words", "host"
# Scripts written without spaces between words: a "whole word" means nothing there.
_NO_SPACE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")
# Arabic clitics written attached to the next word: "and"/"so", then "with"/"for"/"like", then
# "the" (و ب ال: "and with the"), and لل for ل + ال.
_ARABIC_PREFIXES = frozenset(
    conjunction + preposition + article
    for conjunction in ("", "و", "ف")
    for preposition in ("", "ب", "ل", "ك")
    for article in ("", "ال")
) | {conjunction + "لل" for conjunction in ("", "و", "ف")}
_ARABIC_PREFIXES = _ARABIC_PREFIXES - {""}
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Identifier:
    """Something that names an organisation: its name, an acronym, a website …"""

    organisation_id: int
    kind: str  # "name", "acronym", "other name", "website", "e-mail domain", "contact", "signer"
    text: str


@dataclass(frozen=True)
class Match:
    """Where an identifier occurs in a text (indices into the original text)."""

    start: int
    end: int
    identifier: Identifier

    @property
    def organisation_id(self) -> int:
        return self.identifier.organisation_id


@dataclass(frozen=True)
class _Entry:
    key: str  # the identifier's letters and digits, folded
    tokens: tuple[int, ...]  # lengths of its words
    mode: str
    identifier: Identifier
    host: str | None = None


def _alnum(folded: str) -> str:
    return "".join(ch for ch in folded if ch.isalnum())


def _no_space_script(folded: str) -> bool:
    return any(
        ch.isalpha() and unicodedata.name(ch, "").startswith(_NO_SPACE_SCRIPTS) for ch in folded
    )


def _entry(identifier: Identifier) -> _Entry | None:
    folded = fold(identifier.text).strip()
    key = _alnum(folded)
    if len(key) < 2:
        return None  # one letter names nothing
    tokens = tuple(len(t) for t in _TOKEN.findall(folded))
    if identifier.kind in ("website", "e-mail domain"):
        return _Entry(key, tokens, HOST, identifier, host=folded)
    if _no_space_script(folded):
        mode = ANYWHERE
    elif identifier.kind in ("contact", "signer") or len(key) < LONG:
        mode = WORDS
    else:
        mode = ANYWHERE
    return _Entry(key, tokens, mode, identifier)


def _trie_pattern(keys: Iterable[str]) -> str:
    """A regular expression matching any of `keys` (longest first), built as a trie so that
    thousands of identifiers cost one pass over the text."""
    trie: dict = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return build(trie)


class _Folded:
    """A text folded, with its letters and digits alone and where each came from (worked out
    only when an identifier is found: most texts name no one)."""

    _LETTER = re.compile(r"[^\W_]")
    _NOT_LETTERS = re.compile(r"[\W_]+")

    def __init__(self, text: str):
        self.text = text
        self.folded, self._positions = fold_with_positions(text)
        self.stream = self._NOT_LETTERS.sub("", self.folded)
        self._alnum_at: list[int] | None = None

    @property
    def alnum_at(self) -> list[int]:
        """Stream index -> folded index."""
        if self._alnum_at is None:
            self._alnum_at = [m.start() for m in self._LETTER.finditer(self.folded)]
        return self._alnum_at

    @property
    def positions(self):
        """Folded index -> original index."""
        return self._positions

    def original_span(self, first: int, last: int) -> tuple[int, int]:
        """Original [start, end) of folded characters first..last, with trailing marks."""
        start = self.positions[first]
        end = self.positions[last] + 1
        while end < len(self.text) and not fold(self.text[end]):
            end += 1  # combining marks and the like belong to the letter before them
        return start, end

    def token_at(self, folded_index: int) -> tuple[int, int]:
        """[start, end) in the folded text of the word around `folded_index`."""
        start = folded_index
        while start > 0 and self.folded[start - 1].isalnum():
            start -= 1
        end = folded_index
        while end < len(self.folded) and self.folded[end].isalnum():
            end += 1
        return start, end


class Redactor:
    """Every identifier of the protected organisations, compiled once for an output."""

    def __init__(self, identifiers: Iterable[Identifier]):
        entries = [e for e in (_entry(i) for i in identifiers) if e is not None]
        self._by_prefix: dict[str, list[_Entry]] = {}
        for entry in sorted(entries, key=lambda e: (-len(e.key), e.mode)):
            if entry.mode != HOST:
                self._by_prefix.setdefault(entry.key[:2], []).append(entry)
        self._hosts = sorted(
            (e for e in entries if e.mode == HOST), key=lambda e: (-len(e.host or ""), e.host)
        )
        # The scanner matches whole identifiers (a trie: one pass in C over the letters of a
        # text); candidates are then checked, with the shorter ones starting at the same place.
        keys = {e.key for e in entries if e.mode != HOST}
        self._scan = re.compile(_trie_pattern(keys)) if keys else None
        # A host is matched where a label starts ("www.sauti.example.org" contains the host
        # "sauti.example.org"), longest first, and must end where the host name does.
        # (The boundaries are checked after the trie matches: a pattern that starts with the
        # trie lets the regular expression engine skip to the characters a host can start with.)
        hosts = {e.host for e in self._hosts}
        self._host_scan = re.compile(_trie_pattern(hosts)) if hosts else None
        self.organisation_ids = frozenset(e.identifier.organisation_id for e in entries)

    def __bool__(self) -> bool:
        return bool(self.organisation_ids)

    # -- finding ------------------------------------------------------------------------------

    def find(self, text: str | None) -> list[Match]:
        """Every identifier in `text`, in text order; matches that overlap are joined into one
        (so that no part of either is left showing), named after the first."""
        if not text or not self:
            return []
        folded = _Folded(text)
        found = self._find_hosts(folded) + self._find_names(folded)
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Match] = []
        for match in found:
            if kept and match.start < kept[-1].end:
                if match.end > kept[-1].end:
                    kept[-1] = Match(kept[-1].start, match.end, kept[-1].identifier)
                continue
            kept.append(match)
        return kept

    def _find_hosts(self, folded: _Folded) -> list[Match]:
        if self._host_scan is None:
            return []
        text, matches, pos = folded.folded, [], 0
        while (found := self._host_scan.search(text, pos)) is not None:
            start, end = found.span()
            host = self._host_at(text, start, end)
            if host is None:
                pos = start + 1
                continue
            first, last = folded.original_span(start, start + len(host.host) - 1)
            matches.append(Match(first, last, host.identifier))
            pos = start + len(host.host)
        return matches

    def _host_at(self, text: str, start: int, end: int) -> _Entry | None:
        """The longest host starting at `start` that is a whole host name there (after a
        label boundary, not followed by more of a name), if any."""
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            return None
        for entry in self._hosts:  # longest first
            stop = start + len(entry.host)
            if stop <= end and text.startswith(entry.host, start):
                if stop == len(text) or not (text[stop].isalnum() or text[stop] in "_-"):
                    return entry
        return None

    def _find_names(self, folded: _Folded) -> list[Match]:
        if self._scan is None:
            return []
        stream, matches, pos = folded.stream, [], 0
        while (found := self._scan.search(stream, pos)) is not None:
            at = found.start()
            entry = self._entry_at(folded, at)
            if entry is None:
                pos = at + 1
                continue
            first = folded.alnum_at[at]
            last = folded.alnum_at[at + len(entry.key) - 1]
            start, end = folded.original_span(first, last)
            matches.append(Match(start, end, entry.identifier))
            pos = at + 1  # one that starts inside this one is joined with it (`find`)
        return matches

    def _entry_at(self, folded: _Folded, at: int) -> _Entry | None:
        """The longest identifier that matches at stream index `at`, if any."""
        for entry in self._by_prefix.get(folded.stream[at : at + 2], ()):
            if folded.stream.startswith(entry.key, at) and (
                entry.mode == ANYWHERE or _whole_words(folded, at, entry)
            ):
                return entry
        return None

    # -- replacing ----------------------------------------------------------------------------

    def redact(self, text: str | None, replacement: Callable[[Match], str]) -> str | None:
        """`text` with each match replaced by `replacement(match)`."""
        if not text:
            return text
        out, last = [], 0
        for match in self.find(text):
            out += [text[last : match.start], replacement(match)]
            last = match.end
        out.append(text[last:])
        return "".join(out)

    def canonical(self, text: str | None) -> str:
        """`text` with each match replaced by a marker naming only the organisation's id: the
        same for every output, so it can be digested for an approval."""
        return self.redact(text or "", lambda m: f"\u2063{m.organisation_id}\u2063") or ""


def _whole_words(folded: _Folded, at: int, entry: _Entry) -> bool:
    """The letters at stream index `at` are `entry` as whole words: they start a word (or
    follow an attached Arabic prefix), end one, and split into words as the identifier does,
    or as one word, or one letter a word (an acronym spelled "R.V.A.")."""
    first = folded.alnum_at[at]
    last = folded.alnum_at[at + len(entry.key) - 1]
    word_start, _ = folded.token_at(first)
    if word_start != first and folded.folded[word_start:first] not in _ARABIC_PREFIXES:
        return False
    if last + 1 < len(folded.folded) and folded.folded[last + 1].isalnum():
        return False
    lengths, index = [], first
    while index <= last:
        _, word_end = folded.token_at(index)
        word_end = min(word_end, last + 1)
        lengths.append(word_end - index)
        index = word_end
        while index <= last and not folded.folded[index].isalnum():
            index += 1
    lengths = tuple(lengths)
    return (
        lengths == entry.tokens
        or len(lengths) == 1
        or (entry.identifier.kind == "acronym" and all(n == 1 for n in lengths))
    )
