"""The one text analyser shared by every search backend.

Text is NFKC-normalised (full-width to half-width) and lower-cased, segmented
with rjieba (jieba's dictionary and algorithm, in Rust) extended by the domain
dictionary in ``search/data/userdict.txt``, stripped of punctuation and stop
words, and enriched with the canonical form of any synonym. Alongside the word
tokens it produces overlapping character bigrams of every CJK run, which
recover matches that segmentation splits differently on the two sides.

Both backends index exactly these tokens in whitespace-analysed fields, so
they agree on what a term is.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(rf"[{CJK}]")
# A token worth keeping has at least one letter, digit or CJK character.
_CONTENT = re.compile(rf"[{CJK}a-z0-9]")
_MAX_TOKEN_CHARS = 40
# Overlapping bigrams of every CJK run, a CJK character standing alone, and
# ASCII words (truncated) — the bigram tokens, in text order.
_BIGRAM_TOKEN = re.compile(
    rf"(?=([{CJK}]{{2}}|(?<![{CJK}])[{CJK}](?![{CJK}])|(?<![a-z0-9])[a-z0-9]{{1,{_MAX_TOKEN_CHARS}}}))"
)


@dataclass(frozen=True, slots=True)
class Analysed:
    """The tokens of one text: segmented words and character bigrams."""

    words: list[str]
    bigrams: list[str]


@dataclass(frozen=True, slots=True)
class WeightedTerms:
    """Query terms per token type, each with the boost to search it with.

    ``groups`` (typed catalogue queries only) lists the query's words as
    either-or alternatives: a synonym variant and its canonical form make one
    group, which counts as one matched word when either form is found.
    """

    words: dict[str, float] = field(default_factory=dict)
    bigrams: dict[str, float] = field(default_factory=dict)
    groups: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words or self.bigrams)

    def word_groups(self) -> tuple[tuple[str, ...], ...]:
        """Return the either-or word groups (one group per word when none were given)."""
        return self.groups or tuple((w,) for w in self.words)


def _read_lines(name: str) -> list[str]:
    path = DATA_DIR / name
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]


def normalise(text: str) -> str:
    """Return ``text`` NFKC-normalised (full-width to half-width) and lower-cased."""
    return unicodedata.normalize("NFKC", text or "").lower()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Return the stop words dropped from word tokens."""
    return frozenset(normalise(s) for s in _read_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """Return a map from every synonym variant to its group's canonical term."""
    table: dict[str, str] = {}
    for line in _read_lines("synonyms.txt"):
        terms = [normalise(t).strip() for t in line.split(",") if t.strip()]
        for term in terms[1:]:
            table.setdefault(term, terms[0])
    return table


@lru_cache(maxsize=1)
def english_glossary() -> dict[str, tuple[str, ...]]:
    """Return English query words mapped to the Chinese terms they stand for (data/english.txt)."""
    table: dict[str, list[str]] = {}
    for line in _read_lines("english.txt"):
        chinese, *english = [normalise(t).strip() for t in line.split(",") if t.strip()]
        for word in english:
            table.setdefault(word, []).append(chinese)
    return {word: tuple(terms) for word, terms in table.items()}


# Regular English endings tried when a word is not in the glossary as typed:
# (ending, what replaces it), e.g. batteries → battery, welded → weld, coated → coat.
_ENGLISH_ENDINGS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ing", ""),
    ("ing", "e"),
    ("ed", ""),
    ("ed", "e"),
)


def english_terms(word: str) -> tuple[str, ...]:
    """Return the Chinese terms of an English query word (normalised), or () when unknown."""
    table = english_glossary()
    if word in table:
        return table[word]
    if not (word.isascii() and word.isalpha()):
        return ()
    for ending, replacement in _ENGLISH_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            found = table.get(word[: -len(ending)] + replacement)
            if found:
                return found
    return ()


def _dictionary_words() -> Iterable[tuple[str, int | None]]:
    for line in _read_lines("userdict.txt"):
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        yield normalise(parts[0]), freq
    for variant, canonical in synonyms().items():
        for term in (variant, canonical):
            if _CJK_CHAR.search(term):
                yield term, None


_segmenter = None
_segmenter_lock = threading.Lock()


def _get_segmenter():
    """Return the process-wide rjieba instance with the domain words added."""
    global _segmenter
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                import rjieba

                seg = rjieba.Jieba()
                for word, freq in _dictionary_words():
                    seg.add_word(word, freq, None)
                _segmenter = seg
    return _segmenter


def segment(normalised_text: str) -> list[str]:
    """Return the raw jieba segmentation of already normalised text."""
    # HMM guessing of unknown words off: it invents rare pseudo-words that
    # the other side's text segments differently (measured on matchbench).
    return _get_segmenter().cut(normalised_text, False)


def _token_forms(tok: str) -> tuple[str, ...]:
    """Return what one raw segment contributes: nothing, itself, or itself and its synonym."""
    word = tok.strip()
    if not word or word in stop_words() or len(word) > _MAX_TOKEN_CHARS:
        return ()
    if not _CONTENT.search(word):
        return ()
    canonical = synonyms().get(word)
    return (word,) if canonical is None else (word, canonical)


class _TokenMemo(dict):
    """Raw segment → its forms, computed on first sight (bounded: spam vocabularies are not)."""

    def __missing__(self, tok: str) -> tuple[str, ...]:
        forms = _token_forms(tok)
        if len(self) < 500_000:
            self[tok] = forms
        return forms


_token_memo = _TokenMemo()


def _words_of_normalised(normalised_text: str) -> list[str]:
    # map/chain keep the per-token loop in C; misses go through __missing__.
    return list(chain.from_iterable(map(_token_memo.__getitem__, segment(normalised_text))))


def words(text: str) -> list[str]:
    """Return the word tokens of ``text``, synonyms followed by their canonical form."""
    return _words_of_normalised(normalise(text))


def word_groups(text: str) -> list[tuple[str, ...]]:
    """Return the word tokens of ``text`` grouped: a synonym variant with its canonical form.

    ``[t for g in word_groups(x) for t in g] == words(x)``; a group is one
    word of the text, spelled one or two ways.
    """
    return [forms for forms in map(_token_memo.__getitem__, segment(normalise(text))) if forms]


@lru_cache(maxsize=1)
def _synonym_groups() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for variant, canonical in synonyms().items():
        groups.setdefault(canonical, [canonical]).append(variant)
    return {term: tuple(group) for group in groups.values() for term in group}


def synonym_group(term: str) -> tuple[str, ...]:
    """Return every spelling of ``term``'s synonym group (just ``term`` when it has none)."""
    return _synonym_groups().get(term, (term,))


def bigrams(text: str) -> list[str]:
    """Return overlapping CJK character bigrams and lower-cased ASCII words of ``text``."""
    return _bigrams_of_normalised(normalise(text))


def _bigrams_of_normalised(normalised_text: str) -> list[str]:
    # One C-level scan: a zero-width lookahead at every position captures the
    # CJK bigram starting there, a lone CJK character, or a whole ASCII word.
    return _BIGRAM_TOKEN.findall(normalised_text)


def document_parts(
    title: str, keywords: str, text: str
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Return (title words, keyword words, text words, bigrams of all three) normalising each part once.

    The same tokens as ``words()`` of each part and ``bigrams()`` of the parts
    joined by line breaks (neither segmentation nor bigrams cross a line break).
    """
    parts = [normalise(title), normalise(keywords), normalise(text)]
    grams = _bigrams_of_normalised("\n".join(p for p in parts if p))
    return (*(_words_of_normalised(p) for p in parts), grams)


def analyse(text: str) -> Analysed:
    """Return the word tokens and character bigrams of ``text``."""
    return Analysed(words=words(text), bigrams=bigrams(text))


# -- key terms (what a match shows two listings share) ----------------------------------

# A number, or a number followed by a unit (3m, 5kg, 0.5mm, 200℃, 30%).
_NUMBER_OR_MEASURE = re.compile(r"[\d.,%]+(?:[a-zμ°℃%/²³]{1,4}\d*)?")
_LATIN = re.compile(r"[a-z]+")
SHORT_LATIN_CHARS = 3


@lru_cache(maxsize=1)
def key_term_stoplist() -> frozenset[str]:
    """Return the words never shown as a shared key term (data/key_term_stoplist.txt)."""
    return frozenset(normalise(s) for s in _read_lines("key_term_stoplist.txt"))


@lru_cache(maxsize=1)
def known_short_terms() -> frozenset[str]:
    """Return short Latin words that are real terms: short_terms.txt and synonyms.txt.

    Not the English query glossary: it lists everyday words (car, cell) a reader
    of a Chinese listing would not take for a term the two listings share.
    """
    known = {normalise(s) for s in _read_lines("short_terms.txt")}
    known.update(synonyms())
    known.update(synonyms().values())
    return frozenset(known)


def is_key_term(word: str) -> bool:
    """Return whether a word token is a real term worth telling people two listings share.

    Not: single characters, generic words and units (``key_term_stoplist``),
    numbers and measures (3m, 5kg, 30%), Latin fragments of three letters or
    fewer unless known (plc, agv, cnc…). Domain terms (激光焊接, 焊缝, 热管理) are.
    """
    word = normalise(word).strip()
    if len(word) < 2 or word in key_term_stoplist() or word in stop_words():
        return False
    if word in known_short_terms():
        return True
    if _NUMBER_OR_MEASURE.fullmatch(word):
        return False
    if _LATIN.fullmatch(word) and len(word) <= SHORT_LATIN_CHARS:
        return word in known_short_terms()
    return True


# Words at least this frequent in jieba's general-language dictionary (a large
# general corpus; 公司 45,604, 技术 37,664, 要求 23,944) say nothing specific: weight 0.
# Chosen with bench/calibrate_percent.py (800, 2,000, 5,000, 15,000 tried).
GENERIC_FREQUENCY = 15000
# Below this, frequencies are not kept (they weigh nearly the most anyway).
_KEPT_FREQUENCY = 50


@lru_cache(maxsize=1)
def _general_frequencies() -> dict[str, int]:
    """Return jieba's dictionary frequencies of its commoner words (≈ 60k entries)."""
    from importlib.resources import files

    table = {}
    with (files("jieba") / "dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_rest = line.split(" ")
            if int(freq) >= _KEPT_FREQUENCY:
                table[word] = int(freq)
    return table


def specificity(word: str) -> float:
    """Return how specific a word is in general Chinese: 0 for common words.

    log(GENERIC_FREQUENCY / (frequency + 1)) clipped at 0, from jieba's dictionary:
    公司, 技术, 要求 → 0; 控制 0.26, 工艺 1.7, 激光 2.4, 焊接 4.0, 淬火 5.0; domain terms
    jieba does not know (热管理, 锂离子电池, the shipped user dictionary's words) 5.7.
    """
    freq = _general_frequencies().get(word, _KEPT_FREQUENCY - 1)
    return max(0.0, math.log(GENERIC_FREQUENCY / (freq + 1)))


def idf(doc_freq: int, num_docs: int) -> float:
    """Return the BM25 inverse document frequency of a term."""
    return math.log(1.0 + (num_docs - doc_freq + 0.5) / (doc_freq + 0.5))


# ``max_df_ratio`` never drops a term found in this few documents or fewer.
MIN_DF_CEILING = 100

DocFreq = Callable[[str, Iterable[str]], Mapping[str, int]]


def weigh_terms(
    tokens: Iterable[str],
    *,
    max_terms: int = 100,
    doc_freq: Mapping[str, int] | None = None,
    num_docs: int = 0,
    max_df_ratio: float | None = None,
) -> dict[str, float]:
    """Return the ``max_terms`` best tokens by tf·idf, boosted by sqrt(tf).

    Tokens absent from the index (doc_freq 0) are dropped when frequencies are
    given, and so are those in more than ``max_df_ratio`` of the ``num_docs``
    documents (they barely rank, and they are what makes a query slow);
    without frequencies every token keeps idf 1.
    """
    tf = Counter(tokens)
    if doc_freq is not None:
        # Small indexes keep every term: they are fast anyway, and a share of
        # a few documents says nothing about how common a term is.
        ceiling = max(max_df_ratio * num_docs, MIN_DF_CEILING) if max_df_ratio else math.inf
        tf = Counter({t: n for t, n in tf.items() if 0 < doc_freq.get(t, 0) <= ceiling})

    def rank(item: tuple[str, int]) -> float:
        term, n = item
        term_idf = idf(doc_freq[term], num_docs) if doc_freq is not None else 1.0
        return math.sqrt(n) * term_idf

    best = sorted(tf.items(), key=rank, reverse=True)[:max_terms]
    return {term: math.sqrt(n) for term, n in best}


def query_terms(
    text: str | Analysed,
    *,
    max_terms: int = 100,
    doc_freq: DocFreq | None = None,
    num_docs: int = 0,
    max_df_ratio: float | None = None,
) -> WeightedTerms:
    """Return weighted word and bigram terms for a more-like-this query.

    ``doc_freq(token_type, terms)`` (token_type "words" or "bigrams") lets the
    caller's index supply document frequencies for tf·idf term selection.
    """
    analysed = analyse(text) if isinstance(text, str) else text
    result = {}
    for token_type in ("words", "bigrams"):
        tokens = getattr(analysed, token_type)
        freqs = doc_freq(token_type, set(tokens)) if doc_freq else None
        result[token_type] = weigh_terms(
            tokens,
            max_terms=max_terms,
            doc_freq=freqs,
            num_docs=num_docs,
            max_df_ratio=max_df_ratio,
        )
    return WeightedTerms(**result)


def highlight(
    text: str, terms: Iterable[str], *, pre: str = "<mark>", post: str = "</mark>"
) -> str:
    """Return NFKC-normalised ``text`` HTML-escaped, with occurrences of ``terms`` marked."""
    from html import escape

    shown = unicodedata.normalize("NFKC", text or "")
    # Plain substring search, longest term first: no re-segmentation per hit,
    # and a word inside a longer one (电池 in 锂电池) is marked too.
    wanted = sorted({t for t in terms if t and t not in stop_words()}, key=len, reverse=True)
    if not wanted:
        return escape(shown)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(shown):
        out.append(escape(shown[pos : m.start()]))
        out.append(f"{pre}{escape(m.group(0))}{post}")
        pos = m.end()
    out.append(escape(shown[pos:]))
    return "".join(out)
