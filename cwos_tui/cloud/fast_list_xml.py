"""A ListObjectsV2 answer straight into listing columns, without building botocore's generic shapes.

The fast path asks for `encoding-type=url`, so every key and prefix arrives percent-encoded: nothing
XML cannot carry (control characters, CR, `]]>`, lone surrogates) is ever inside the text, and the few
elements we need are plain `<Name>text</Name>` runs. Each field is pulled out of the whole page with
one regular expression (C speed); the counts of all fields must equal the count of `<Contents>` and
`<CommonPrefixes>` elements, else the page is "unexpected" and `parse_page` returns None: the caller
then parses it with botocore's own parser. XML entities are decoded (the five named ones and numeric
references, as an XML parser would), then keys are URL-decoded exactly as botocore does
(`unquote_plus`). Timestamps are kept as the server's text: they are parsed when shown or sorted.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote_plus

from cwos_tui.cloud.listing_store import ListingStore

_KEY = re.compile(r"<Key>([^<]*)</Key>")
_SIZE = re.compile(r"<Size>\s*(\d+)\s*</Size>")
_ETAG = re.compile(r"<ETag>([^<]*)</ETag>")
_STAMP = re.compile(r"<LastModified>\s*([^<\s]*)\s*</LastModified>")
_CLASS = re.compile(r"<StorageClass>([^<]*)</StorageClass>")
_FOLDER = re.compile(r"<CommonPrefixes>\s*<Prefix>([^<]*)</Prefix>\s*</CommonPrefixes>")
_TRUNCATED = re.compile(r"<IsTruncated>\s*(true|false)\s*</IsTruncated>")
_NEXT = re.compile(r"<NextContinuationToken>([^<]*)</NextContinuationToken>")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_PLAIN_ETAGS = re.compile(r'(?:"[0-9a-fA-F]{32}")*')
_URL = "<EncodingType>url</EncodingType>"
_FLAT = re.compile(r"(?:<(\w+)>[^<]*</\1>)+")
_TAG = re.compile(r"<(\w+)>")
_row_patterns: dict[tuple[str, ...], re.Pattern[str]] = {}


class ParsedPage(NamedTuple):
    chunk: ListingStore
    next_token: str | None  # None: the last page


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    if code > 0x10FFFF or code == 0:
        raise ValueError("a character reference XML does not allow")
    return chr(code)


def xml_text(raw: str) -> str:
    """The text of an element as an XML parser reads it; an `&` that is not an entity is unexpected."""
    if "&" not in raw:
        return raw
    text = _ENTITY.sub(_entity, raw)
    if "&" in _ENTITY.sub("", raw):
        raise ValueError("an unknown entity")
    return text


def continuation(text: str) -> tuple[bool, str | None] | None:
    """(truncated, next token) from a page's text, or None when the page does not say."""
    truncated = _TRUNCATED.search(text)
    if truncated is None:
        return None
    if truncated.group(1) != "true":
        return False, None
    token = _NEXT.search(text)
    if token is None:
        return None
    return True, xml_text(token.group(1))


def parse_page(body: bytes, base: str) -> ParsedPage | None:
    """One page's columns, names relative to `base`; None for anything this parser does not expect."""
    try:
        text = body.decode("utf-8")
        if "<![CDATA[" in text or _URL not in text or "<Error>" in text:
            return None
        state = continuation(text)
        if state is None:
            return None
        chunk = _columns(text, base)
    except (UnicodeDecodeError, ValueError):
        return None
    return None if chunk is None else ParsedPage(chunk, state[1] if state[0] else None)


def _decoded(raw: list[str]) -> list[str]:
    joined = "".join(raw)
    if "&" in joined:
        raw = [xml_text(k) for k in raw]
        joined = "".join(raw)
    if "%" in joined or "+" in joined:
        return [unquote_plus(k) for k in raw]
    return raw


def _row_pattern(text: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """One pattern for a whole `<Contents>` element, in the order this server writes its fields, when
    its fields are all plain text (one scan of the page instead of one per field)."""
    start = text.find("<Contents>")
    end = text.find("</Contents>", start)
    if start < 0 or end < 0:
        return None
    block = text[start + len("<Contents>"):end]
    if not _FLAT.fullmatch(block):
        return None
    tags = tuple(_TAG.findall(block))
    if len(set(tags)) != len(tags) or not {"Key", "Size", "ETag", "LastModified"} <= set(tags):
        return None
    found = _row_patterns.get(tags)
    if found is None:
        fields = "".join(f"<{tag}>([^<]*)</{tag}>" for tag in tags)
        found = _row_patterns[tags] = re.compile(f"<Contents>{fields}</Contents>")
    return found, tags


def _fields(text: str, objects: int) -> dict[str, list[str]]:
    """Each field's values in document order (missing fields: fewer values)."""
    by_row = _row_pattern(text) if objects else None
    if by_row is not None:
        pattern, tags = by_row
        rows = pattern.findall(text)
        if len(rows) == objects:
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in tags]
            return {tag: list(column) for tag, column in zip(tags, columns, strict=True)}
    return {"Key": _KEY.findall(text), "Size": _SIZE.findall(text), "ETag": _ETAG.findall(text),
            "LastModified": _STAMP.findall(text), "StorageClass": _CLASS.findall(text)}


def _columns(text: str, base: str) -> ListingStore | None:
    objects = text.count("<Contents>")
    fields = _fields(text, objects)
    keys, sizes, etags = fields.get("Key", []), fields.get("Size", []), fields.get("ETag", [])
    stamps, classes = fields.get("LastModified", []), fields.get("StorageClass", [])
    folders = _FOLDER.findall(text)
    if not (len(keys) == len(sizes) == len(etags) == len(stamps) == objects):
        return None
    if len(classes) not in (0, objects) or len(folders) != text.count("<CommonPrefixes>"):
        return None
    keys = _decoded(keys)
    if keys and not (keys[0].startswith(base) and keys[-1].startswith(base)):
        return None
    chunk = ListingStore(base)
    if keys and keys[0] == base:  # a folder marker: the folder we are in, not a row
        keys, sizes, etags, stamps = keys[1:], sizes[1:], etags[1:], stamps[1:]
        classes = classes[1:]
    if folders:
        _merged(chunk, keys, sizes, etags, stamps, classes, _decoded(folders))
        return chunk
    cut = len(base)
    names = [key[cut:] for key in keys] if cut else keys
    chunk.add_page(names, sizes, stamps, _etags(etags), classes)
    return chunk


def _etags(raw: list[str]) -> list[str] | bytes:
    """The page's ETags: 16 bytes each when every one is a plain quoted MD5 (checked at C speed)."""
    joined = "".join(raw).replace("&#34;", '"').replace("&quot;", '"')  # how servers write the quotes
    if "&" in joined:
        joined = xml_text(joined)
    if len(joined) == 34 * len(raw) and _PLAIN_ETAGS.fullmatch(joined):
        return bytes.fromhex(joined.replace('"', ""))
    return [xml_text(e) for e in raw]


def _merged(chunk: ListingStore, keys: list[str], sizes: list[str], etags: list[str], stamps: list[str],
            classes: list[str], folders: list[str]) -> None:
    """Objects and folders in key order (S3 sends the two lists apart)."""
    rows: list[tuple[str, int]] = [(key, i) for i, key in enumerate(keys)] + [(p, -1) for p in folders]
    rows.sort()
    for key, i in rows:
        if i < 0:
            chunk.add_folder(key)
        else:
            chunk.add_object(key, int(sizes[i]), stamps[i], xml_text(etags[i]),
                             xml_text(classes[i]) if classes else "STANDARD")
