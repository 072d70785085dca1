"""Bytes to text: strict UTF-8 first, then charset detection; binary content is refused."""

from charset_normalizer import from_bytes

from taxonomy_assets.sources.blocks import DocumentError

BINARY_MARKERS = (b"\x00",)
SNIFF_BYTES = 8192


def looks_binary(data: bytes) -> bool:
    head = data[:SNIFF_BYTES]
    if any(marker in head for marker in BINARY_MARKERS):
        return True
    control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return bool(head) and control / len(head) > 0.05


def decode_text(data: bytes, where: str) -> str:
    """Decode a text document; raise DocumentError('undecodable', …) when it is not text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if looks_binary(data):
        raise DocumentError("binary_content", f"{where}: binary data in a text document")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise DocumentError("undecodable", f"{where}: bytes are not UTF-8 and no encoding fits them")
    return str(best)
