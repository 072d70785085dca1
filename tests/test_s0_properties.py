"""Property tests of the S0 segmenters, readers and block filters: no input makes them raise anything
but the documented DocumentError, and every block they give is clean (non-empty, NFC, whitespace
collapsed, no invisible characters)."""

import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy_assets.policy import load_policy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.sources import block_filters
from taxonomy_assets.sources.block_filters import (
    MIN_TOKENS_FOR_NEAR_DUPLICATE,
    TOKEN,
    BlockFilter,
    NearDuplicateFilter,
)
from taxonomy_assets.sources.blocks import INVISIBLE, DocumentError, RawBlock, RowRejection, clean_text
from taxonomy_assets.sources.html_reader import html_blocks, parse_html
from taxonomy_assets.sources.language import LanguageGuess, detect_language
from taxonomy_assets.sources.metadata import DocumentMeta
from taxonomy_assets.sources.readers import read_document
from taxonomy_assets.sources.text_reader import markdown_blocks, text_blocks

POLICY = load_policy(POLICIES_DIR, "testing").raw_extraction
MARKERS = [re.compile(marker) for marker in POLICY.html_boilerplate_markers]
META = DocumentMeta(institution="Uni A", parent="Faculty of Science", url="https://example.org")
FILTER_REASONS = {
    "too_short",
    "too_long",
    "invalid_characters",
    "low_alpha_ratio",
    "boilerplate",
    "declared_language",
    "wrong_language",
}
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

TAGS = ["p", "li", "ul", "ol", "table", "tr", "td", "th", "h1", "h2", "h3", "div", "main", "nav", "span"]
TAGS += ["script", "style", "b", "a", "dl", "dt", "dd", "pre", "header", "footer", "section", "caption"]
ATTRIBUTES = [
    "",
    ' class="cookie-banner"',
    ' id="main-menu"',
    " hidden",
    ' role="navigation"',
    ' class="x y"',
]
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
markup = st.one_of(
    st.builds(
        lambda tag, attribute: f"<{tag}{attribute}>", st.sampled_from(TAGS), st.sampled_from(ATTRIBUTES)
    ),
    st.builds(lambda tag: f"</{tag}>", st.sampled_from(TAGS)),
    st.sampled_from(
        ["<br>", "<br/>", "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&nbsp;", "&#0;", "<", ">"]
    ),
    st.sampled_from(["\n", "  ", "\t", "\u00a0", "\u200b", "\u2028", "Department of Physics", "Home"]),
    words,
)
html_documents = st.lists(markup, max_size=60).map("".join)
markdown_pieces = st.one_of(
    st.sampled_from(
        ["# ", "## ", "- ", "* ", "1. ", "> ", "| a | b |\n| - | - |\n", "```\n", "---\n", "===\n"]
    ),
    st.sampled_from(["\n", "\n\n", "  \n", "<br>", "<div>", "**", "_", "[x](y)", "\\\n", "\t"]),
    words,
)
markdown_documents = st.lists(markdown_pieces, max_size=60).map("".join)


def assert_clean(block: RawBlock) -> None:
    for value in (block.text, block.section):
        assert value == clean_text(value)
        assert value == unicodedata.normalize("NFC", value)
        assert not INVISIBLE.search(value)
        assert "  " not in value and value == value.strip()
        assert not any(char.isspace() and char != " " for char in value)
    assert block.text


@PROPERTY_SETTINGS
@given(st.text(st.characters(max_codepoint=127), max_size=40))
def test_clean_text_of_ascii_collapses_every_whitespace_run(text: str) -> None:
    """The shortcut for ASCII text with single spaces only gives what collapsing whitespace gives."""
    assert clean_text(text) == re.sub(r"\s+", " ", text).strip()


@given(html_documents)
def test_html_segmenter_gives_clean_blocks_or_no_text(document: str) -> None:
    try:
        blocks = list(html_blocks(parse_html(document), META, "L1/page.html", MARKERS))
    except DocumentError as error:
        assert error.reason == "no_text"
        return
    assert blocks
    for block in blocks:
        assert_clean(block)
        assert block.institution == "Uni A" and block.parent_hint == "Faculty of Science"


@pytest.mark.parametrize("depth", [1, 300, 3000])
def test_html_segmenter_survives_deep_nesting(depth: int) -> None:
    document = "<div><ul><li>" * depth + "Department of Physics" + "</li></ul></div>" * depth
    assert [block.text for block in html_blocks(parse_html(document), META, "L1/deep.html", MARKERS)] == [
        "Department of Physics"
    ]


@PROPERTY_SETTINGS
@given(markdown_documents)
def test_markdown_segmenter_never_raises_and_gives_clean_blocks(document: str) -> None:
    for block in markdown_blocks(document, META, "L2/areas.md"):
        assert_clean(block)


@PROPERTY_SETTINGS
@given(st.text())
def test_text_segmenter_never_raises_and_gives_clean_blocks(document: str) -> None:
    blocks = list(text_blocks(document, META, "L3/cfp.txt"))
    for block in blocks:
        assert_clean(block)
    assert len(blocks) <= document.count("\n") + 1


@PROPERTY_SETTINGS
@given(
    st.one_of(st.binary(max_size=400), markdown_documents.map(str.encode), html_documents.map(str.encode)),
    st.sampled_from([".txt", ".md", ".html", ".csv", ".tsv", ".jsonl", ".xlsx", ".dat"]),
    st.sampled_from(["L0", "L2"]),
)
def test_any_file_is_read_or_refused_with_a_document_error(data: bytes, suffix: str, level: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        (Path(folder) / f"doc{suffix}.meta.yaml").write_text("institution: Uni A\nparent: Physics\n")
        try:
            items = list(read_document(path, f"{level}/doc{suffix}", level, POLICY))
        except DocumentError as error:
            assert error.reason and error.detail
            return
    for item in items:
        if isinstance(item, RowRejection):
            assert item.reason and item.location
        else:
            assert_clean(item)


@PROPERTY_SETTINGS
@given(st.text(max_size=600), st.sampled_from(["", "en", "fr-CA", "xx"]))
def test_block_filter_gives_a_known_reason_or_a_language(text: str, declared: str) -> None:
    verdict = BlockFilter(POLICY).judge(text, declared)
    if verdict.kept:
        assert verdict.language and POLICY.min_chars <= len(text) <= POLICY.max_chars
    else:
        assert verdict.reason in FILTER_REASONS and verdict.detail


def test_block_filter_detects_the_language_of_a_repeated_block_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(text: str) -> LanguageGuess:
        calls.append(text)
        return detect_language(text)

    monkeypatch.setattr(block_filters, "detect_language", counting)
    block_filter = BlockFilter(POLICY)
    verdicts = [block_filter.judge("Department of Chemistry", "en") for _ in range(3)]
    assert verdicts[0].kept and verdicts.count(verdicts[0]) == 3
    assert calls == ["Department of Chemistry"]
    # the declared language is part of the question: a block declared in an untargeted language is
    # dropped before any detection
    assert block_filter.judge("Department of Chemistry", "xx").reason == "declared_language"
    assert block_filter.judge("Department of Physics", "en").kept
    assert calls == ["Department of Chemistry", "Department of Physics"]


def brute_force_duplicates(texts: list[str], scopes: list[str], threshold: float) -> list[bool]:
    """The definition, pair by pair, against the earlier kept blocks of the same scope: the same word
    sequence, or a word-set Jaccard >= threshold when both have MIN_TOKENS_FOR_NEAR_DUPLICATE words."""
    kept: list[tuple[str, list[str]]] = []
    flags = []
    for text, scope in zip(texts, scopes, strict=True):
        words = [word.casefold() for word in TOKEN.findall(text)]
        repeated = any(scope == other_scope and words == other for other_scope, other in kept)
        similar = len(set(words)) >= MIN_TOKENS_FOR_NEAR_DUPLICATE and any(
            scope == other_scope
            and len(set(other)) >= MIN_TOKENS_FOR_NEAR_DUPLICATE
            and len(set(words) & set(other)) / len(set(words) | set(other)) >= threshold
            for other_scope, other in kept
        )
        flags.append(repeated or similar)
        if not (repeated or similar):
            kept.append((scope, words))
    return flags


vocabulary_texts = st.lists(
    st.sampled_from(["of", "data", "learning", "deep", "graph", "theory", "AI"]), max_size=9
)


@PROPERTY_SETTINGS
@given(
    st.lists(st.tuples(vocabulary_texts.map(" ".join), st.sampled_from(["Uni A", "Uni B"])), max_size=40),
    st.sampled_from([0.5, 0.6, 0.75, 0.8, 0.9, 1.0]),
)
def test_near_duplicate_index_agrees_with_pairwise_jaccard(
    blocks: list[tuple[str, str]], threshold: float
) -> None:
    texts = [text for text, _ in blocks]
    scopes = [scope for _, scope in blocks]
    duplicates = NearDuplicateFilter(threshold, texts)
    found = [duplicates.is_duplicate(text, (scope,)) for text, scope in blocks]
    assert found == brute_force_duplicates(texts, scopes, threshold)


@PROPERTY_SETTINGS
@given(st.lists(st.text(max_size=80), max_size=40), st.floats(min_value=0.05, max_value=1.0))
def test_near_duplicate_filter_flags_every_exact_repeat(texts: list[str], threshold: float) -> None:
    duplicates = NearDuplicateFilter(threshold)
    for text in texts:
        duplicates.is_duplicate(text, ("Uni A", ""))
    assert all(duplicates.is_duplicate(text, ("Uni A", "")) for text in texts)
