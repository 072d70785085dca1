"""Markdown and plain-text readers (after front matter has been split off).

Markdown is parsed with markdown-it: headings become the section path, each list item and paragraph
a block. Plain text is line-oriented: every non-empty line is a block, bullet markers removed.
"""

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from taxonomy_assets.sources.blocks import RawBlock
from taxonomy_assets.sources.metadata import DocumentMeta

BULLET = re.compile(r"^\s*(?:[-*+•▪◦‣·]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
WHITESPACE = re.compile(r"\s+")
_MARKDOWN = MarkdownIt("commonmark").enable("table")


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return WHITESPACE.sub(" ", "".join(parts)).strip()


def _block(text: str, meta: DocumentMeta, section: str, location: str) -> RawBlock:
    return RawBlock(
        text=text,
        institution=meta.institution,
        url=meta.url,
        section=section,
        parent_hint=meta.parent,
        fetched_at=meta.fetched_at,
        language=meta.language,
        location=location,
    )


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
            text = _inline_text(token)
            if pending_heading is not None:
                headings = [*headings[: pending_heading - 1], text]
                pending_heading = None
                continue
            if in_table and (in_head or cell_index != 0):
                continue
            if text:
                line = f"{where}:{token.map[0] + 1}" if token.map else where
                yield _block(text, meta, " > ".join(h for h in headings if h), line)


def text_blocks(body: str, meta: DocumentMeta, where: str) -> Iterator[RawBlock]:
    for number, line in enumerate(body.splitlines(), start=1):
        text = WHITESPACE.sub(" ", BULLET.sub("", line, count=1)).strip()
        if text:
            yield _block(text, meta, "", f"{where}:{number}")
