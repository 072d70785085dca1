"""Markdown and plain-text segmenters (after front matter has been split off).

Markdown is parsed with markdown-it: headings become the section path; each list item, paragraph and
first cell of a table body row is a block; hard line breaks split a block, as `<br>` does in HTML.
Plain text is line-oriented: every non-empty line is a block with its bullet marker removed, and a
line underlined with `===`/`---` (or starting with `#`) is a heading that sets the section instead.
"""

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from taxonomy_assets.sources.blocks import RawBlock, clean_text, section_path, with_heading
from taxonomy_assets.sources.metadata import DocumentMeta

BULLET = re.compile(r"^\s*(?:[-*+•▪◦‣·]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
SETEXT_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")
ATX_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$")
BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_MARKDOWN = MarkdownIt("commonmark").enable("table")


def _block(text: str, meta: DocumentMeta, headings: list[str], location: str) -> RawBlock:
    return RawBlock(
        text=text,
        institution=meta.institution,
        url=meta.url,
        section=section_path(headings),
        parent_hint=meta.parent,
        fetched_at=meta.fetched_at,
        language=meta.language,
        location=location,
    )


def _inline_lines(token: Token) -> list[str]:
    """Text of an inline token, split at hard breaks and `<br>`; markup and raw tags are left out."""
    lines: list[list[str]] = [[]]
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            lines[-1].append(child.content)
        elif child.type == "softbreak":
            lines[-1].append(" ")
        elif child.type == "hardbreak" or (child.type == "html_inline" and BREAK_TAG.match(child.content)):
            lines.append([])
    return [text for text in (clean_text("".join(parts)) for parts in lines) if text]


def markdown_blocks(body: str, meta: DocumentMeta, where: str) -> Iterator[RawBlock]:
    """List items, paragraphs and the first cell of table body rows; headings set the section."""
    headings: list[str] = []
    pending_heading: int | None = None
    in_table = in_head = False
    cell_index = -1
    for token in _MARKDOWN.parse(body):
        if token.type == "heading_open":
            pending_heading = int(token.tag[1])
        elif token.type in ("table_open", "table_close"):
            in_table = token.type == "table_open"
        elif token.type in ("thead_open", "thead_close"):
            in_head = token.type == "thead_open"
        elif token.type == "tr_open":
            cell_index = -1
        elif token.type in ("td_open", "th_open"):
            cell_index += 1
        elif token.type == "inline":
            lines = _inline_lines(token)
            if pending_heading is not None:
                headings = with_heading(headings, pending_heading, " ".join(lines))
                pending_heading = None
                continue
            if in_table and (in_head or cell_index != 0):
                continue
            location = f"{where}:{token.map[0] + 1}" if token.map else where
            for text in lines:
                yield _block(text, meta, headings, location)


def text_blocks(body: str, meta: DocumentMeta, where: str) -> Iterator[RawBlock]:
    """Every non-empty line, bullet removed; setext (`===`, `---`) and `#` headings set the section."""
    lines = body.split("\n")
    headings: list[str] = []
    skip_next = False
    for index, line in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        underline = SETEXT_UNDERLINE.match(lines[index + 1]) if index + 1 < len(lines) else None
        atx = ATX_HEADING.match(line)
        if underline and clean_text(line):
            headings = with_heading(headings, 1 if underline.group(1)[0] == "=" else 2, clean_text(line))
            skip_next = True
            continue
        if atx:
            headings = with_heading(headings, len(atx.group(1)), clean_text(atx.group(2)))
            continue
        text = clean_text(BULLET.sub("", line, count=1))
        if text:
            yield _block(text, meta, headings, f"{where}:{index + 1}")
