"""A kept block as its SourceRecord's JSONL line, made in S0's reader process.

Making the record where the block is read means the reader sends the step one string per record, which
the step writes as it is. Before, the reader pickled each block, the step unpickled it, built a pydantic
model and encoded that: a third of S0's CPU time at 100k records. The line has the bytes that
`to_json_line(SourceRecord(...))` gives (a property test holds it to that), and the record id is hashed
from the same JSON spellings of its parts as the line holds.
"""

from json.encoder import encode_basestring

from taxonomy_assets.contracts import SourceRecord, stable_id_of_spelled, text_row_lines
from taxonomy_assets.levels import Level, level_index
from taxonomy_assets.sources.blocks import RawBlock

_LINES = text_row_lines(SourceRecord)
# `line` fills the template positionally, in the contract's sorted field order: a change to the
# contract must show up here, at import, not as shifted values.
FIELDS = (
    "fetched_at",
    "institution",
    "language",
    "level",
    "parent_hint",
    "record_id",
    "section",
    "source_file",
    "text",
    "url",
)
if _LINES.fields != FIELDS:
    raise ImportError(f"SourceRecord's fields {_LINES.fields} are not the {FIELDS} record_lines fills")


class SourceRecordLines:
    """The lines of one document's kept blocks: its level and name are spelled once."""

    def __init__(self, level: Level, source_file: str) -> None:
        level_index(level)  # the contract's Literal: refuse anything that is not a level
        self._level = encode_basestring(level)
        self._source_file = encode_basestring(source_file)

    def line(self, block: RawBlock, language: str) -> str:
        institution = encode_basestring(block.institution)
        url = encode_basestring(block.url)
        section = encode_basestring(block.section)
        text = encode_basestring(block.text)
        record_id = stable_id_of_spelled((institution, url, section, text))
        return _LINES.line(
            (
                encode_basestring(block.fetched_at),
                institution,
                encode_basestring(language),
                self._level,
                encode_basestring(block.parent_hint),
                f'"{record_id}"',
                section,
                self._source_file,
                text,
                url,
            )
        )
