"""HTML segmenter: boilerplate out, then one block per run of text between block-level boundaries.

Navigation, header/footer, scripts, forms, hidden elements and anything whose class or id matches a
policy marker (cookie banners, menus, breadcrumbs) are skipped with everything inside them; when the
page has a `<main>`, only it is read. Headings set the section path (`h1 > h2 > ...`) rather than
becoming blocks, except inside a list item or table cell, where they are part of the item. Each list
item is its own block (nested lists are items of their own), `<br>` splits a block, and a table data
row gives its first cell with a letter in it, since listing tables put the unit name first and
chairs, phones and rooms after it; rows whose cells hold block markup are layout and are read like
any container. Definition lists give their terms; descriptions (`<dd>`) are prose about them.

lxml's parser repairs broken markup, and the walk is iterative, so HTML soup and deep nesting still
yield what text they have.
"""

import re
from collections.abc import Iterable, Iterator

from bs4 import BeautifulSoup, CData, NavigableString, PageElement, Tag
from lxml import etree

from taxonomy_assets.sources.blocks import DocumentError, RawBlock, clean_text, section_path, with_heading
from taxonomy_assets.sources.metadata import META_KEYS, DocumentMeta

DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "template",
        "svg",
        "math",
        "canvas",
        "iframe",
        "object",
        "embed",
        "button",
        "select",
        "textarea",
        "head",
        "title",
        "meta",
        "link",
        "dialog",
    }
)
DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "dialog", "alertdialog", "menu"})
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCK_TAGS = frozenset(
    {
        *HEADINGS,
        "address",
        "article",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ITEM_TAGS = frozenset({"li", "td", "th"})
# Descriptions of a definition list are prose about the term, not names.
SKIPPED_TAGS = frozenset({"dd"})


def parse_html(text: str) -> BeautifulSoup:
    """The document's tree; MemoryError when libxml2 ran out of memory while parsing.

    libxml2 does not fail a parse it could not allocate for: it stops and lxml hands BeautifulSoup the
    tree so far, a silently truncated document. Under the reader's memory budget that would lose the
    rest of the document, so the parser's error log is checked and the document goes over budget."""
    soup = BeautifulSoup(text, "lxml")
    parser = getattr(soup.builder, "parser", None)
    for error in getattr(parser, "error_log", ()):
        if error.type == etree.ErrorTypes.ERR_NO_MEMORY:
            raise MemoryError(f"libxml2 ran out of memory at line {error.line}: {error.message}")
    return soup


def meta_from_html(soup: BeautifulSoup) -> DocumentMeta:
    """`<meta name="taxonomy:KEY">` tags, else the canonical link for url and `<html lang>` for language."""
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or "").lower()
        content = clean_text(str(tag.get("content") or ""))
        key = name.removeprefix("taxonomy:")
        if name.startswith("taxonomy:") and key in META_KEYS and content:
            values[key] = content
    canonical = soup.find("link", rel="canonical")
    if "url" not in values and isinstance(canonical, Tag) and canonical.get("href"):
        values["url"] = clean_text(str(canonical["href"]))
    html_tag = soup.find("html")
    if "language" not in values and isinstance(html_tag, Tag) and html_tag.get("lang"):
        values["language"] = clean_text(str(html_tag["lang"])).split("-")[0].lower()
    return DocumentMeta(**values)


class _Segmenter:
    """One pass over a parsed page; collects text runs and flushes them at block boundaries."""

    def __init__(self, meta: DocumentMeta, where: str, markers: list[re.Pattern[str]]) -> None:
        self.meta = meta
        self.where = where
        self.markers = markers
        self.headings: list[str] = []
        self.run: list[str] = []
        self.open_blocks: list[str] = []
        self.count = 0

    def is_boilerplate(self, tag: Tag) -> bool:
        if tag.name in DROP_TAGS or str(tag.get("role") or "").lower() in DROP_ROLES:
            return True
        if tag.has_attr("hidden") or str(tag.get("aria-hidden") or "").lower() == "true":
            return True
        if HIDDEN_STYLE.search(str(tag.get("style") or "")):
            return True
        classes = tag.get("class") or []
        names = [*(classes if isinstance(classes, list) else [classes]), str(tag.get("id") or "")]
        return any(marker.search(name) for name in names if name for marker in self.markers)

    def block(self, text: str, tag_name: str) -> Iterator[RawBlock]:
        text = clean_text(text)
        if not text:
            return
        self.count += 1
        yield RawBlock(
            text=text,
            institution=self.meta.institution,
            url=self.meta.url,
            section=section_path(self.headings),
            parent_hint=self.meta.parent,
            fetched_at=self.meta.fetched_at,
            language=self.meta.language,
            location=f"{self.where}<{tag_name}>#{self.count}",
        )

    def flush(self) -> Iterator[RawBlock]:
        text, self.run = "".join(self.run), []
        yield from self.block(text, self.open_blocks[-1] if self.open_blocks else "body")

    def cell_lines(self, cell: Tag) -> list[str]:
        """Visible text of an inline-only element, split at `<br>`."""
        lines: list[list[str]] = [[]]
        for node in cell.descendants:
            if isinstance(node, Tag) and node.name == "br":
                lines.append([])
            elif _is_text(node) and not any(
                isinstance(parent, Tag) and self.is_boilerplate(parent)
                for parent in _parents_within(node, cell)
            ):
                lines[-1].append(str(node))
        return ["".join(parts) for parts in lines]

    def data_row_cell(self, row: Tag) -> Tag | None:
        """The first cell with a letter in a listing row (number and icon columns are skipped);
        None for header rows and layout rows."""
        cells = [
            cell for cell in row.find_all(["td", "th"], recursive=False) if not self.is_boilerplate(cell)
        ]
        if not cells or all(cell.name == "th" for cell in cells):
            return None
        if any(cell.find(BLOCK_TAGS) is not None for cell in cells):
            return None
        return next((cell for cell in cells if any(char.isalpha() for char in cell.get_text(""))), None)

    def blocks(self, root: Tag | BeautifulSoup) -> Iterator[RawBlock]:
        stack: list[tuple[PageElement, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                yield from self.flush()
                self.open_blocks.pop()
                continue
            if _is_text(node):
                self.run.append(str(node))
                continue
            if not isinstance(node, Tag) or self.is_boilerplate(node):
                continue
            name = node.name
            if name == "br":
                yield from self.flush()
                continue
            if name in SKIPPED_TAGS:
                yield from self.flush()
                continue
            if name in HEADINGS and not ITEM_TAGS.intersection(self.open_blocks):
                yield from self.flush()
                nested = [child for child in node.contents if _holds_blocks(child)]
                title = "".join(_text_outside(node, nested))
                self.headings = with_heading(self.headings, HEADINGS[name], clean_text(title))
                stack.extend((child, False) for child in reversed(nested))
                continue
            if name == "tr":
                yield from self.flush()
                cell = self.data_row_cell(node)
                if cell is not None:
                    for line in self.cell_lines(cell):
                        yield from self.block(line, cell.name)
                    continue
                if all(cell.name == "th" for cell in node.find_all(["td", "th"], recursive=False)):
                    continue
            if name in BLOCK_TAGS:
                yield from self.flush()
                self.open_blocks.append(name)
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        yield from self.flush()


def _holds_blocks(node: PageElement) -> bool:
    """A block element, or an inline one wrapping blocks (an unclosed `<h2>` swallows the list after it)."""
    return isinstance(node, Tag) and (node.name in BLOCK_TAGS or node.find(BLOCK_TAGS) is not None)


def _text_outside(node: Tag, nested: list[PageElement]) -> Iterator[str]:
    for child in node.contents:
        if any(child is block for block in nested):
            continue
        if _is_text(child):
            yield str(child)
        elif isinstance(child, Tag):
            yield child.get_text("")


def _is_text(node: PageElement) -> bool:
    """Visible character data; comments, doctypes and processing instructions are not."""
    return type(node) is NavigableString or isinstance(node, CData)


def _parents_within(node: PageElement, top: Tag) -> Iterable[Tag]:
    parent = node.parent
    while isinstance(parent, Tag) and parent is not top:
        yield parent
        parent = parent.parent


def _content_root(soup: BeautifulSoup) -> Tag | BeautifulSoup:
    """`<main>` (or role=main) when the page marks its main content, else the body."""
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if isinstance(main, Tag) and clean_text(main.get_text(" ")):
        return main
    return soup.body or soup


def html_blocks(
    soup: BeautifulSoup, meta: DocumentMeta, where: str, markers: list[re.Pattern[str]]
) -> Iterator[RawBlock]:
    """Blocks of a page in document order; DocumentError('no_text') when boilerplate is all it has."""
    segmenter = _Segmenter(meta, where, markers)
    yield from segmenter.blocks(_content_root(soup))
    if segmenter.count == 0:
        raise DocumentError(
            "no_text", f"{where}: no visible text outside scripts, navigation and other page furniture"
        )
