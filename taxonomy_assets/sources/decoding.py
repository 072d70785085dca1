"""Bytes to text: BOMs, strict UTF-8, legacy encodings, and mixed-encoding files decoded line by line.

A file that is UTF-8 except for some lines (a typical result of pasting from an old export) keeps its
UTF-8 lines; the other lines are blanked (line numbers stay true) and reported, because guessing
their encoding from a few bytes is unreliable. A file with no valid UTF-8 beyond ASCII is one legacy
encoding, which charset-normalizer detects from the whole document.
"""

from dataclasses import dataclass

from charset_normalizer import from_bytes

from taxonomy_assets.sources.blocks import DocumentError

SNIFF_BYTES = 8192
MAX_CONTROL_SHARE = 0.05
TEXT_CONTROLS = frozenset(b"\t\n\x0c\r")
UTF8_BOM = b"\xef\xbb\xbf"
# UTF-32 first: its little-endian mark starts with UTF-16's.
WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True)
class UndecodableLine:
    number: int
    payload: str


@dataclass(frozen=True)
class DecodedText:
    text: str
    undecodable_lines: tuple[UndecodableLine, ...] = ()


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or more than a few control bytes, in the first 8 KiB: not a text file."""
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        return True
    control = sum(1 for byte in head if byte < 32 and byte not in TEXT_CONTROLS)
    return bool(head) and control / len(head) > MAX_CONTROL_SHARE


def _decode_with_bom(data: bytes, where: str) -> DecodedText | None:
    for bom, encoding in WIDE_BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    "undecodable",
                    f"{where}: starts with a {encoding} byte-order mark but byte {exc.start} "
                    f"is not {encoding}",
                ) from exc
    return None


def _decode_mixed(data: bytes, where: str) -> DecodedText:
    lines = data.split(b"\n")
    decoded: list[str] = []
    bad: list[UndecodableLine] = []
    utf8_non_ascii = 0
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(UndecodableLine(number, line.decode("utf-8", "backslashreplace")))
            decoded.append("")
            continue
        utf8_non_ascii += not line.isascii()
        decoded.append(text)
    if utf8_non_ascii:
        return DecodedText("\n".join(decoded), tuple(bad))
    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(
            "undecodable",
            f"{where}: bytes are not UTF-8 and no legacy encoding fits them "
            f"(first bad line {bad[0].number}); re-export the file as UTF-8",
        )
    return DecodedText(str(best))


def decode_text(data: bytes, where: str) -> DecodedText:
    """Decode a text document; DocumentError('binary_content' | 'undecodable') when it is not text."""
    with_bom = _decode_with_bom(data, where)
    if with_bom is not None:
        return with_bom
    data = data.removeprefix(UTF8_BOM)
    if looks_binary(data):
        raise DocumentError(
            "binary_content", f"{where}: NUL or control bytes in the first 8 KiB; not a text file"
        )
    try:
        return DecodedText(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _decode_mixed(data, where)
