"""HTML reader: drops navigation, header/footer, scripts and cookie banners, then yields list items,
table rows (first filled cell) and paragraphs, each with the heading path above it as `section`.

lxml's parser repairs broken markup, so HTML soup still yields what text it has.
"""

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, NavigableString, Tag

from taxonomy_assets.sources.blocks import DocumentError, RawBlock
from taxonomy_assets.sources.metadata import DocumentMeta

DROP_TAGS = (
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
    "iframe",
    "button",
    "select",
    "head",
)
DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "dialog", "alertdialog"}
DROP_MARKERS = re.compile(
    r"cookie|consent|gdpr|banner|breadcrumb|skip-?link|social|share|navbar|menu|sidebar"
    r"|site-?header|site-?footer|masthead",
    re.IGNORECASE,
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
WHITESPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return WHITESPACE.sub(" ", text).strip()


def _is_boilerplate(tag: Tag) -> bool:
    if tag.name in DROP_TAGS or str(tag.get("role", "")).lower() in DROP_ROLES:
        return True
    marker = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
    return bool(marker) and bool(DROP_MARKERS.search(marker))


def _own_text(tag: Tag) -> str:
    """Text of a list item without its nested lists (those are items of their own)."""
    parts: list[str] = []
    for child in tag.children:
        if isinstance(child, NavigableString):
            parts.append(str(child))
        elif isinstance(child, Tag) and child.name not in ("ul", "ol"):
            parts.append(child.get_text(" "))
    return _clean(" ".join(parts))


def meta_from_html(soup: BeautifulSoup) -> DocumentMeta:
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or "").lower()
        if name.startswith("taxonomy:") and tag.get("content"):
            key = name.split(":", 1)[1]
            if key in ("institution", "parent", "url", "language", "fetched_at"):
                values[key] = _clean(str(tag["content"]))
    canonical = soup.find("link", rel="canonical")
    if "url" not in values and isinstance(canonical, Tag) and canonical.get("href"):
        values["url"] = str(canonical["href"]).strip()
    html_tag = soup.find("html")
    if "language" not in values and isinstance(html_tag, Tag) and html_tag.get("lang"):
        values["language"] = str(html_tag["lang"]).split("-")[0].lower()
    return DocumentMeta(**values)


def parse_html(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "lxml")


def html_blocks(soup: BeautifulSoup, meta: DocumentMeta, where: str) -> Iterator[RawBlock]:
    body = soup.body or soup
    for tag in body.find_all(True):
        if tag.parent is not None and _is_boilerplate(tag):
            tag.decompose()
    if not _clean(body.get_text(" ")):
        raise DocumentError(
            "no_text", f"{where}: HTML has no visible text after removing scripts and navigation"
        )
    headings: list[str] = []
    for tag in body.find_all(True):
        name = tag.name
        if name in HEADINGS:
            depth = HEADINGS[name]
            headings = [
                *headings[: depth - 1],
                *([""] * max(0, depth - 1 - len(headings))),
                _clean(tag.get_text(" ")),
            ]
            continue
        text = ""
        if name == "li":
            text = _own_text(tag)
        elif name == "tr":
            cells = tag.find_all(["td", "th"], recursive=False)
            if cells and any(cell.name == "td" for cell in cells):
                text = next((_clean(cell.get_text(" ")) for cell in cells if _clean(cell.get_text(" "))), "")
        elif name in ("p", "dt") and tag.find_parent(["li", "table", "dt"]) is None:
            text = _clean(tag.get_text(" "))
        if text:
            section = " > ".join(part for part in headings if part)
            yield RawBlock(
                text=text,
                institution=meta.institution,
                url=meta.url,
                section=section,
                parent_hint=meta.parent,
                fetched_at=meta.fetched_at,
                language=meta.language,
                location=f"{where}<{name}>",
            )
