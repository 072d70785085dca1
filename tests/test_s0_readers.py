"""S0 readers one format at a time, the language filter, and the builders of awkward files other S0
tests reuse (a password-protected XLSX, workbooks, a messy saved web page)."""

import io
import socket
import struct
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook

from taxonomy_assets.policy import load_policy
from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.sources import language
from taxonomy_assets.sources.block_filters import BlockFilter, NearDuplicateFilter
from taxonomy_assets.sources.blocks import DocumentError, RawBlock, RowRejection
from taxonomy_assets.sources.readers import read_document

CFB_SECTOR = 512
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

MESSY_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Departments</title>
<meta name="taxonomy:institution" content="Example University">
<meta name="taxonomy:parent" content="Faculty of Science">
<script>var x = "<li>not a unit</li>";</script></head>
<body>
<div id="onetrust-banner-sdk"><p>We use cookies. Accept?</p></div>
<div class="navbar navbar-expand"><ul><li>Home</li><li>About</li></ul></div>
<header><h1>Example University</h1></header>
<div class="breadcrumbs"><a href="/">Home</a> &gt; Science</div>
<ul class="mobile-menu" style="display: none"><li>Hidden item</li></ul>
<main>
  <h1>Faculty of Science</h1>
  <!-- <li>commented out department</li> -->
  <p>Our faculty has <b>six</b> departments.</p>
  <h2>Departments</h2>
  <ul>
    <li><a href="/bio">Department of Biology</a>
      <ul><li>Division of Ecology</li><li>Division of Genetics</li></ul>
    </li>
    <li>Department of&nbsp;Chemistry
    <li>Department   of
        Physics</li>
  </ul>
  <h2>Research units</h2>
  <table>
    <thead><tr><th>Unit</th><th>Head</th><th>Phone</th></tr></thead>
    <tr><td>1</td><td><a href="/cs">School of Computer Science</a></td><td>Dr. A. Smith</td></tr>
    <tr><th scope="row">Institute of Mathematics</th><td>Prof. B. Jones</td><td>555-0101</td></tr>
  </table>
  <h3>Centres</h3>
  <p>Centre for Climate Studies<br>Centre for Quantum Technology<br/></p>
  <dl><dt>Observatory</dt><dd>Founded in 1890, it houses the largest telescope in the region.</dd></dl>
  <table class="layout"><tr><td><ul><li>Laboratory of Materials Science</li></ul></td></tr></table>
  <div class="social-sciences"><p>Social Sciences Hub</p></div>
  <div class="share-buttons"><a>Share on X</a></div>
  <script>document.write("<p>Injected</p>")</script>
  <p>Unclosed paragraph about <i>Astronomy
</main>
<aside><h3>Quick links</h3><ul><li>Apply</li></ul></aside>
<footer><p>&copy; 2025 Example University</p></footer>
</body></html>
"""

LONG_GERMAN = (
    "Die Fakultät für Informatik bietet Studiengänge in Informatik, Wirtschaftsinformatik und "
    "Data Science an und forscht in vielen Bereichen der theoretischen und angewandten Informatik."
)
LONG_SWEDISH = (
    "Institutionen för datavetenskap erbjuder utbildningar i datavetenskap och datateknik och "
    "bedriver forskning inom många områden av den teoretiska och tillämpade datavetenskapen."
)


def _cfb_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00" if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + bytes(16 + 4 + 8 + 8)
        + struct.pack("<IQ", start, size)
    )


def encrypted_workbook_bytes() -> bytes:
    """A password-protected XLSX as Excel writes one: an OLE2 compound file (CFB v3) holding the
    `EncryptionInfo` and `EncryptedPackage` streams (ECMA-376 agile encryption; payload is filler)."""
    info = (b"\x04\x00\x04\x00\x40\x00\x00\x00" + b'<?xml version="1.0"?><encryption/>').ljust(4096, b"\x00")
    package = bytes(range(256)) * 16
    info_start, package_start = 2, 2 + len(info) // CFB_SECTOR
    fat = [FATSECT, ENDOFCHAIN]
    for start, count in ((info_start, len(info) // CFB_SECTOR), (package_start, len(package) // CFB_SECTOR)):
        fat += [start + offset + 1 for offset in range(count - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (CFB_SECTOR // 4 - len(fat))
    directory = (
        _cfb_entry("Root Entry", 5, 1, NOSTREAM, ENDOFCHAIN, 0)
        + _cfb_entry("EncryptionInfo", 2, NOSTREAM, 2, info_start, len(info))
        + _cfb_entry("EncryptedPackage", 2, NOSTREAM, NOSTREAM, package_start, len(package))
        + _cfb_entry("", 0, NOSTREAM, NOSTREAM, 0, 0)
    )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<109I", 0, *[FREESECT] * 108)
    )
    return header + struct.pack(f"<{CFB_SECTOR // 4}I", *fat) + directory + info + package


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def s0_policy(**changes: object) -> RawExtractionPolicy:
    return load_policy(POLICIES_DIR, "testing").raw_extraction.model_copy(update=changes)


def read(path: Path, level: str = "L1", **changes: object) -> list[RawBlock | RowRejection]:
    return list(read_document(path, f"{level}/{path.name}", level, s0_policy(**changes)))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def texts(items: list[RawBlock | RowRejection]) -> list[str]:
    return [item.text for item in items if isinstance(item, RawBlock)]


def rejections(items: list[RawBlock | RowRejection]) -> list[tuple[str, str]]:
    return [(item.reason, item.location) for item in items if isinstance(item, RowRejection)]


def refusal(path: Path, level: str = "L1", **changes: object) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        read(path, level, **changes)
    return caught.value


# CSV and XLSX


def test_csv_rows_take_row_columns_over_the_sidecar(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "units.csv",
        "institution,parent,unit,url\n"
        "Uni A,Faculty of Science,Department of Physics,https://a/physics\n"
        ",,Department of Chemistry,\n",
    )
    write(tmp_path, "units.csv.meta.yaml", "institution: Uni B\nparent: Faculty of Arts\n")
    blocks = [item for item in read(path) if isinstance(item, RawBlock)]
    assert [(b.text, b.institution, b.parent_hint, b.url) for b in blocks] == [
        ("Department of Physics", "Uni A", "Faculty of Science", "https://a/physics"),
        ("Department of Chemistry", "Uni B", "Faculty of Arts", "file:L1/units.csv"),
    ]


def test_csv_delimiter_is_the_one_under_which_the_header_names_a_unit_column(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", "institution;unit\nUni A;School of Law, Politics and Society\n")
    assert texts(read(path, "L0")) == ["School of Law, Politics and Society"]
    tsv = write(tmp_path, "units.tsv", "institution\tunit\nUni A\tSchool of Medicine\n")
    assert texts(read(tsv, "L0")) == ["School of Medicine"]


def test_csv_with_a_renamed_unit_column_is_refused_naming_the_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", "Institution,School Name\nUni A,School of Law\n")
    error = refusal(path, "L0")
    assert error.reason == "missing_columns"
    assert "'school name'" in error.detail and "unit" in error.detail


def test_csv_without_institution_anywhere_is_refused_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", "unit\nSchool of Law\nSchool of Medicine\n")
    assert refusal(path, "L0").reason == "missing_institution"
    above_l0 = write(tmp_path, "depts.csv", "institution,unit\nUni A,Department of Physics\n")
    assert refusal(above_l0, "L1").reason == "missing_parent"


def test_csv_bad_rows_are_rejected_alone(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "units.csv",
        'institution,unit\nUni A,School of Law\nUni A,"Bad"quote\n,School of Orphans\nUni A,\n'
        'Uni B,"School of Medi',
    )
    items = read(path, "L0")
    assert texts(items) == ["School of Law"]
    assert rejections(items) == [
        ("malformed_csv", "L0/units.csv:3"),
        ("missing_institution", "L0/units.csv:4"),
        ("empty_text", "L0/units.csv:5"),
        ("malformed_csv", "L0/units.csv:6"),
    ]


def test_xlsx_reads_every_sheet_and_rejects_a_sheet_without_header_alone(tmp_path: Path) -> None:
    data = workbook_bytes(
        {
            "North": [["institution", "unit"], ["Uni A", "School of Law"], [None, None], ["Uni A", 2024.0]],
            "Notes": [["Compiled by the registry"]],
            "South": [["Institution ", "Unit"], ["Uni B", "  School of\nMedicine "]],
        }
    )
    items = read(write(tmp_path, "units.xlsx", data), "L0")
    assert texts(items) == ["School of Law", "2024", "School of Medicine"]
    assert rejections(items) == [("missing_columns", "L0/units.xlsx#Notes")]


def test_xlsx_without_any_usable_sheet_is_refused(tmp_path: Path) -> None:
    data = workbook_bytes({"Sheet": [["Institution Name", "School"], ["Uni A", "School of Law"]]})
    assert refusal(write(tmp_path, "units.xlsx", data), "L0").reason == "missing_columns"


def test_password_protected_xlsx_is_refused_as_encrypted(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "protected.xlsx", encrypted_workbook_bytes()), "L0")
    assert error.reason == "encrypted_xlsx" and "password" in error.detail


@pytest.mark.parametrize(
    "content",
    [b"this is not a workbook at all", b"PK\x03\x04" + b"\x00" * 40],
    ids=["not-a-zip", "broken-zip"],
)
def test_corrupt_xlsx_is_refused_as_corrupt(tmp_path: Path, content: bytes) -> None:
    assert refusal(write(tmp_path, "broken.xlsx", content), "L0").reason == "corrupt_xlsx"


def test_truncated_xlsx_is_refused_as_corrupt(tmp_path: Path) -> None:
    data = workbook_bytes({"Sheet": [["institution", "unit"], ["Uni A", "School of Law"]]})
    assert refusal(write(tmp_path, "cut.xlsx", data[: len(data) // 2]), "L0").reason == "corrupt_xlsx"


def test_workbook_saved_as_csv_is_read_as_xlsx(tmp_path: Path) -> None:
    data = workbook_bytes({"Sheet": [["institution", "unit"], ["Uni A", "School of Law"]]})
    assert texts(read(write(tmp_path, "export.csv", data), "L0")) == ["School of Law"]


# JSONL


def test_jsonl_bad_lines_are_rejected_alone(tmp_path: Path) -> None:
    lines = [
        '{"text": "Federated learning", "institution": "Uni A", "parent": "Machine Learning"}',
        "{not json",
        '["a list"]',
        '{"text": 42, "institution": "Uni A", "parent": "ML"}',
        '{"text": "Orphan topic", "parent": "ML"}',
        '{"text": "Line\u2028separated topic", "institution": "Uni A", "parent": "ML"}',
        "[" * 100_000,
        '{"text": "Graph neural net',
    ]
    items = read(write(tmp_path, "topics.jsonl", "\n".join(lines)), "L3")
    assert texts(items) == ["Federated learning", "Line separated topic"]
    assert [reason for reason, _ in rejections(items)] == [
        "malformed_jsonl",
        "malformed_jsonl",
        "malformed_jsonl",
        "missing_institution",
        "malformed_jsonl",
        "malformed_jsonl",
    ]
    assert rejections(items)[-1][1] == "L3/topics.jsonl:8"


# HTML


def test_messy_page_keeps_content_and_heading_paths_and_drops_page_furniture(tmp_path: Path) -> None:
    blocks = [item for item in read(write(tmp_path, "page.html", MESSY_PAGE)) if isinstance(item, RawBlock)]
    assert [(block.section, block.text) for block in blocks] == [
        ("Faculty of Science", "Our faculty has six departments."),
        ("Faculty of Science > Departments", "Department of Biology"),
        ("Faculty of Science > Departments", "Division of Ecology"),
        ("Faculty of Science > Departments", "Division of Genetics"),
        ("Faculty of Science > Departments", "Department of Chemistry"),
        ("Faculty of Science > Departments", "Department of Physics"),
        ("Faculty of Science > Research units", "School of Computer Science"),
        ("Faculty of Science > Research units", "Institute of Mathematics"),
        ("Faculty of Science > Research units > Centres", "Centre for Climate Studies"),
        ("Faculty of Science > Research units > Centres", "Centre for Quantum Technology"),
        ("Faculty of Science > Research units > Centres", "Observatory"),
        ("Faculty of Science > Research units > Centres", "Laboratory of Materials Science"),
        ("Faculty of Science > Research units > Centres", "Social Sciences Hub"),
        ("Faculty of Science > Research units > Centres", "Unclosed paragraph about Astronomy"),
    ]
    assert {(b.institution, b.parent_hint, b.language) for b in blocks} == {
        ("Example University", "Faculty of Science", "en")
    }


def test_page_without_main_is_read_from_body_and_headings_inside_items_stay_items(tmp_path: Path) -> None:
    page = (
        '<html><head><meta name="taxonomy:institution" content="Uni A">'
        '<meta name="taxonomy:parent" content="Arts"></head><body><h2>Units</h2>'
        "<ul><li><h3>Department of History</h3><p>Since 1900</p></li></ul>Loose text at the end"
    )
    blocks = [item for item in read(write(tmp_path, "page.htm", page)) if isinstance(item, RawBlock)]
    assert [(block.section, block.text) for block in blocks] == [
        ("Units", "Department of History"),
        ("Units", "Since 1900"),
        ("Units", "Loose text at the end"),
    ]


def test_page_of_scripts_only_is_refused_as_no_text(tmp_path: Path) -> None:
    page = (
        '<html><head><meta name="taxonomy:institution" content="Uni A"><meta name="taxonomy:parent" '
        'content="Arts"><script>render()</script></head><body><script>app()</script>'
        "<noscript>Enable JavaScript</noscript><nav><a>Home</a></nav></body></html>"
    )
    assert refusal(write(tmp_path, "app.html", page)).reason == "no_text"


def test_page_without_parent_above_l0_is_refused(tmp_path: Path) -> None:
    page = (
        '<html><head><meta name="taxonomy:institution" content="Uni A"></head><body><li>X</li></body></html>'
    )
    error = refusal(write(tmp_path, "page.html", page))
    assert error.reason == "missing_parent" and "parent" in error.detail


def test_txt_that_holds_a_saved_page_is_read_as_html(tmp_path: Path) -> None:
    items = read(write(tmp_path, "saved-page.txt", MESSY_PAGE))
    assert "Department of Chemistry" in texts(items) and "Home" not in texts(items)


# Markdown and text


def test_markdown_sections_lists_tables_and_true_line_numbers(tmp_path: Path) -> None:
    body = (
        "---\ninstitution: Uni A\nparent: Computer Science\n---\n# Research\n\n"
        "Intro *text*\nwrapped.\n\n## Areas\n\n- Machine Learning<br>Robotics\n- Systems  \n  Networking\n\n"
        "| Area | Lead |\n| --- | --- |\n| Theory | Prof. X |\n\n```\ncode block\n```\n"
    )
    blocks = [item for item in read(write(tmp_path, "areas.md", body), "L2") if isinstance(item, RawBlock)]
    assert [(block.section, block.text, block.location) for block in blocks] == [
        ("Research", "Intro text wrapped.", "L2/areas.md:7"),
        ("Research > Areas", "Machine Learning", "L2/areas.md:12"),
        ("Research > Areas", "Robotics", "L2/areas.md:12"),
        ("Research > Areas", "Systems", "L2/areas.md:13"),
        ("Research > Areas", "Networking", "L2/areas.md:13"),
        ("Research > Areas", "Theory", "L2/areas.md:18"),
    ]


def test_text_setext_headings_set_the_section_and_bullets_are_removed(tmp_path: Path) -> None:
    body = "---\ninstitution: Uni A\nparent: ML\n---\nWorkshop 2026\n=============\n\n"
    body += "* Federated learning\n2) Bandits\n"
    blocks = [item for item in read(write(tmp_path, "cfp.txt", body), "L3") if isinstance(item, RawBlock)]
    assert [(block.section, block.text, block.location) for block in blocks] == [
        ("Workshop 2026", "Federated learning", "L3/cfp.txt:8"),
        ("Workshop 2026", "Bandits", "L3/cfp.txt:9"),
    ]


def test_text_without_front_matter_or_sidecar_is_refused_as_missing_institution(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, "cfp.txt", "Federated learning\n"), "L3").reason == "missing_institution"


def test_front_matter_may_carry_other_keys_but_a_sidecar_may_not(tmp_path: Path) -> None:
    exported = "---\ntitle: Research areas\ndate: 2026-01-05\ninstitution: Uni A\nparent: CS\n---\n"
    exported += "- Robotics\n"
    assert texts(read(write(tmp_path, "areas.md", exported), "L2")) == ["Robotics"]
    write(tmp_path, "other.md.meta.yaml", "institution: Uni A\nparnet: CS\n")
    error = refusal(write(tmp_path, "other.md", "- Robotics\n"), "L2")
    assert error.reason == "bad_metadata" and "parnet" in error.detail


def test_unclosed_front_matter_is_refused_as_bad_metadata(tmp_path: Path) -> None:
    error = refusal(write(tmp_path, "cfp.md", "---\ninstitution: Uni A\nparent: ML\n\n- Topic\n"), "L3")
    assert error.reason == "bad_metadata" and "closing" in error.detail


# Bytes, encodings and sizes


def test_mixed_encoding_keeps_utf8_lines_and_rejects_the_others(tmp_path: Path) -> None:
    data = (
        "---\ninstitution: Université de Montréal\nparent: Arts\n---\n".encode()
        + "Département de physique\n".encode()
        + "Département de chimie\n".encode("cp1252")
        + b"Department of History\n"
    )
    items = read(write(tmp_path, "units.txt", data))
    assert texts(items) == ["Département de physique", "Department of History"]
    assert rejections(items) == [("mixed_encoding", "L1/units.txt:6")]
    assert items[0].payload == "D\\xe9partement de chimie"


def test_single_legacy_encoding_is_detected(tmp_path: Path) -> None:
    text = "---\ninstitution: Université de Montréal\nparent: Arts\n---\nDépartement de physique\n"
    items = read(write(tmp_path, "units.txt", text.encode("cp1252")))
    assert texts(items) == ["Département de physique"]


def test_utf16_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    text = "---\ninstitution: Uni A\nparent: Arts\n---\nDepartment of History\n"
    assert texts(read(write(tmp_path, "units.txt", text.encode("utf-16")))) == ["Department of History"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary_content"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary_content"),
        (bytes(range(256)) * 4, "binary_content"),
        (bytes(range(0x80, 0x100)) * 8, "undecodable"),
        (b"", "empty_document"),
        (b" \n\t\r\n ", "empty_document"),
    ],
    ids=["png", "pdf", "nul-bytes", "high-bytes", "empty", "whitespace"],
)
def test_files_that_are_not_text_are_refused_with_their_reason(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    assert refusal(write(tmp_path, "notes.txt", content)).reason == reason


def test_oversized_document_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(5_000_000)
    policy = s0_policy(max_document_bytes=1_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(DocumentError) as caught:
            next(read_document(path, "L3/huge.txt", "L3", policy))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.reason == "oversized_document" and "5000000 bytes" in caught.value.detail
    assert peak < 100_000


# Block filters and language


def test_long_foreign_paragraph_is_dropped_as_wrong_language() -> None:
    verdict = BlockFilter(s0_policy()).judge(LONG_SWEDISH)
    assert verdict.reason == "wrong_language" and "detected sv" in verdict.detail
    assert BlockFilter(s0_policy()).judge(LONG_GERMAN).kept  # German is a language S1 reads


def test_short_foreign_unit_name_is_kept_and_tagged_with_its_language() -> None:
    unit = "Département d'informatique et de recherche opérationnelle"
    verdict = BlockFilter(s0_policy()).judge(unit, "en")
    assert verdict.kept and verdict.language == "fr"


def test_unsure_detection_falls_back_to_the_declared_language_then_und() -> None:
    block_filter = BlockFilter(s0_policy())
    assert block_filter.judge("Chemistry", "en-US").language == "en"
    assert block_filter.judge("Chemistry").language == "und"
    english = (
        "Papers should be submitted through the conference website before the deadline, and the "
        "committee will announce decisions in June."
    )
    assert block_filter.judge(english).language == "en"


def test_language_thresholds_come_from_the_policy() -> None:
    english_only = {"languages": ["en"]}
    assert BlockFilter(s0_policy(**english_only)).judge(LONG_GERMAN).reason == "wrong_language"
    lenient = BlockFilter(s0_policy(language_min_chars=len(LONG_GERMAN) + 1, **english_only))
    assert lenient.judge(LONG_GERMAN).kept
    assert BlockFilter(s0_policy(languages=[])).judge(LONG_GERMAN).language == "de"
    assert BlockFilter(s0_policy(languages=["en", "de"])).judge(LONG_GERMAN).kept


def test_declared_language_outside_the_targets_drops_the_block() -> None:
    verdict = BlockFilter(s0_policy()).judge("Instytut Fizyki", "pl-PL")
    assert verdict.reason == "declared_language"


def test_language_model_loads_from_the_installed_package_without_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the language detector tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    language._identifier.cache_clear()
    assert language.detect_language(LONG_GERMAN).language == "de"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x", "too_short"),
        ("a" * 401, "too_long"),
        ("Physics\x07", "invalid_characters"),
        ("Physics \ufffd", "invalid_characters"),
        ("2026-04-30 12:00", "low_alpha_ratio"),
        ("Back to top", "boilerplate"),
        ("© 2025 Example University", "boilerplate"),
    ],
)
def test_block_filter_reasons(text: str, reason: str) -> None:
    assert BlockFilter(s0_policy()).judge(text).reason == reason


def test_near_duplicates_are_scoped_to_institution_and_parent() -> None:
    duplicates = NearDuplicateFilter(0.9)
    assert not duplicates.is_duplicate("School of Medicine", ("Uni A", ""))
    assert not duplicates.is_duplicate("School of Medicine", ("Uni B", ""))
    assert duplicates.is_duplicate("School  of medicine!", ("Uni A", ""))
    long_text = "Department of Electrical Engineering and Computer Sciences at the College of Engineering"
    assert not duplicates.is_duplicate(long_text, ("Uni A", ""))
    assert duplicates.is_duplicate(long_text.replace("the ", ""), ("Uni A", ""))
    assert not duplicates.is_duplicate("Learning for Control", ("Uni A", ""))
    assert not duplicates.is_duplicate("Control for Learning", ("Uni A", ""))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"html_boilerplate_markers": ["(cookie"]}, "not a valid regex"),
        ({"disallowed_character_categories": ["Cc", "Xx"]}, "unknown Unicode general categories"),
        ({"language_min_confidence": 1.5}, "less than or equal to 1"),
    ],
)
def test_raw_extraction_policy_refuses_unusable_settings(changes: dict[str, object], message: str) -> None:
    settings = {**s0_policy().model_dump(), **changes}
    with pytest.raises(ValueError, match=message):
        RawExtractionPolicy.model_validate(settings)
