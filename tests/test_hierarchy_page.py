"""hierarchy.html in headless Chromium (Debian's, installed by .ci/run): the page loads without errors,
renders every node, opens to a node's facts and search finds a node. Skip locally with -m 'not browser'."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from taxonomy_assets.hierarchy_page import hierarchy_page, page_data
from tests.conftest import CliWorld

pytestmark = pytest.mark.browser
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "headless Chromium is needed (Debian package chromium); deselect with -m 'not browser'"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def open_page(browser: Browser, path: Path) -> tuple[Page, list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on(
        "request",
        lambda request: errors.append(f"network: {request.url}") if request.url.startswith("http") else None,
    )
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]")
    return page, errors


def test_the_taxonomy_page_renders_every_node_and_search_finds_one(
    cli_world: CliWorld, baseline: dict, browser: Browser
) -> None:
    folder = cli_world.folder("base") / "hierarchy"
    nodes = pq.read_table(folder / "nodes.parquet").to_pylist()
    page, errors = open_page(browser, folder / "hierarchy.html")
    assert page.locator("details.node").count() == len(nodes)
    assert page.locator("#status").text_content() == f"{len(nodes)} nodes"

    page.fill("#search", "machine learning")
    matches = page.locator("details.match")
    assert matches.count() >= 1
    first = matches.first
    assert first.is_visible() and "machine learning" in first.locator("summary .label").text_content()
    assert page.locator("#status").text_content() == f"{matches.count()} node(s) match"
    page.fill("#search", "no such field anywhere")
    assert page.locator("#status").text_content() == "0 node(s) match"
    assert errors == []


def test_a_node_shows_its_sources_aliases_and_why_its_parent_was_chosen(
    tmp_path: Path, browser: Browser
) -> None:
    from tests.test_hierarchy_assembly import assemble, concept, tree

    levels = tree()
    assembly = assemble(levels)
    concepts = [item for level in levels.values() for item in level]
    path = tmp_path / "hierarchy.html"
    path.write_text(hierarchy_page(assembly.nodes, concepts, "Taxonomy <test>"), encoding="utf-8")
    page, errors = open_page(browser, path)
    page.fill("#search", "computer science")  # opens the node's ancestors
    node = page.locator(f'details.node[data-id="{concept("L1", "computer science").concept_id}"]')
    node.locator(":scope > summary").click()
    assert node.locator(":scope > .facts").is_visible()
    facts = node.locator(":scope > .facts").text_content()
    assert "parent: engineering (meaning:" in facts and "alternatives: arts" in facts
    assert page.title() == "Taxonomy <test>"
    assert errors == []


def test_page_data_is_deterministic_and_escapes_script_breakers() -> None:
    from tests.test_hierarchy_assembly import assemble, concept, tree

    levels = tree(L1=[concept("L1", "classics", {"arts": 1}, aliases=["</script><b>x"])])
    assembly = assemble(levels)
    concepts = [item for level in levels.values() for item in level]
    first = hierarchy_page(assembly.nodes, concepts, "t")
    assert first == hierarchy_page(list(reversed(assembly.nodes)), list(reversed(concepts)), "t")
    assert "</script><b>" not in first.split('id="taxonomy-data">', 1)[1].split("</script>", 1)[0]
    data = page_data(assembly.nodes, concepts)
    assert json.dumps(data)  # plain data
    assert data["counts"] == {"L0": 3, "L1": 3, "L2": 1, "L3": 1}
