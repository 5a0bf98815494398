"""The small subset of YAML that the region files and scenario files use, parsed with the standard
library only (the simulation must run on a bare Debian python3, without PyYAML).

Supported: `#` comments, block mappings (`key: value`, `key:` + an indented block), block
sequences (`- item`, including `- key: value` mappings continued on further lines), one-line
flow mappings `{ a: 1, b: x }` and flow sequences `[a, b]` (not nested), and the scalars
null/~, true/false, integers, floats, and plain, 'single' or "double" quoted strings.

Anything else (anchors, multi-line strings, tabs for indentation, nested flow collections) is an
error naming the file and line, never a silent misreading. The crdtdb binary validates region files
with a full YAML parser; this one only has to read them the same way on the files that load.
"""

import json
import re

_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?$")


class YamlError(ValueError):
    """A file this parser does not accept; the message is `FILE:LINE: what is wrong`."""


class _Line:
    __slots__ = ("number", "indent", "text")

    def __init__(self, number, indent, text):
        self.number, self.indent, self.text = number, indent, text


def load(text, source="<string>"):
    """The value of the YAML document `text`; `source` names it in errors."""
    lines = _significant_lines(text, source)
    if not lines:
        return None
    parser = _Parser(lines, source)
    value = parser.block(lines[0].indent)
    if parser.pos != len(lines):
        parser.fail(lines[parser.pos], "unexpected indentation")
    return value


def load_file(path):
    with open(path, encoding="utf-8") as f:
        return load(f.read(), str(path))


def _significant_lines(text, source):
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = _strip_comment(raw).rstrip()
        if not body.strip() or body.strip() == "---":
            continue
        stripped = body.lstrip(" ")
        if stripped.startswith("\t"):
            raise YamlError(f"{source}:{number}: tabs are not allowed for indentation")
        lines.append(_Line(number, len(body) - len(stripped), stripped))
    return lines


def _strip_comment(line):
    """`line` without a trailing `# comment` (a `#` inside quotes, or not after a space, stays)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


class _Parser:
    def __init__(self, lines, source):
        self.lines, self.source, self.pos = lines, source, 0

    def fail(self, line, message):
        raise YamlError(f"{self.source}:{line.number}: {message}")

    def block(self, indent):
        first = self.lines[self.pos]
        if first.text.startswith("- ") or first.text == "-":
            return self.sequence(indent)
        return self.mapping(indent)

    def sequence(self, indent):
        items = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            is_item = line.text.startswith("- ") or line.text == "-"
            if line.indent < indent or (line.indent == indent and not is_item):
                break  # the sequence ends; a mapping around it may go on
            if line.indent > indent:
                self.fail(line, "unexpected indentation inside a sequence")
            rest = line.text[1:].lstrip(" ")
            if not rest:
                self.pos += 1
                items.append(self.nested_block(line, indent))
            elif _is_mapping_entry(rest) and not rest.startswith("{"):
                # `- key: value` starts a mapping whose further keys sit under `key`.
                item_indent = line.indent + (len(line.text) - len(rest))
                self.lines[self.pos] = _Line(line.number, item_indent, rest)
                items.append(self.mapping(item_indent))
            else:
                self.pos += 1
                items.append(self.scalar_or_flow(rest, line))
        return items

    def mapping(self, indent):
        result = {}
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent:
                break
            if line.indent > indent:
                self.fail(line, "unexpected indentation")
            key, rest = self.split_entry(line)
            if key in result:
                self.fail(line, f"duplicate key '{key}'")
            self.pos += 1
            result[key] = self.scalar_or_flow(rest, line) if rest else self.nested_block(line, indent)
        return result

    def nested_block(self, owner, owner_indent):
        """The block under `owner` (indented deeper, or a sequence at the same indentation), or
        null when there is none."""
        if self.pos >= len(self.lines):
            return None
        nxt = self.lines[self.pos]
        is_item = nxt.text.startswith("- ") or nxt.text == "-"
        if nxt.indent > owner_indent or (nxt.indent == owner_indent and is_item and
                                         not owner.text.startswith("-")):
            return self.block(nxt.indent)
        return None

    def split_entry(self, line):
        if not _is_mapping_entry(line.text):
            self.fail(line, f"expected 'key: value', got '{line.text}'")
        key, _, rest = line.text.partition(":")
        return self.key_text(key.strip(), line), rest.strip()

    def key_text(self, key, line):
        value = self.scalar(key, line)
        if not isinstance(value, str) or not value:
            self.fail(line, f"a key must be a non-empty string, got '{key}'")
        return value

    def scalar_or_flow(self, text, line):
        if text.startswith("{"):
            return self.flow_mapping(text, line)
        if text.startswith("["):
            return [self.scalar(t, line) for t in self.flow_items(text, "[", "]", line)]
        if text[0] in "&*!|>":
            self.fail(line, f"'{text[0]}' (anchors, tags, block strings) is not supported here")
        return self.scalar(text, line)

    def flow_mapping(self, text, line):
        result = {}
        for item in self.flow_items(text, "{", "}", line):
            if not _is_mapping_entry(item):
                self.fail(line, f"expected 'key: value' inside {{ }}, got '{item}'")
            key, _, value = item.partition(":")
            key = self.key_text(key.strip(), line)
            if key in result:
                self.fail(line, f"duplicate key '{key}'")
            result[key] = self.scalar(value.strip(), line)
        return result

    def flow_items(self, text, opening, closing, line):
        if not text.endswith(closing):
            self.fail(line, f"a flow collection must end with '{closing}' on the same line")
        inner = text[1:-1].strip()
        if any(c in inner for c in "{}[]"):
            self.fail(line, "nested flow collections are not supported")
        return [item.strip() for item in _split_outside_quotes(inner, ",") if item.strip()]

    def scalar(self, text, line):
        if text in ("", "~", "null", "Null", "NULL"):
            return None
        if text in ("true", "True", "TRUE"):
            return True
        if text in ("false", "False", "FALSE"):
            return False
        if text.startswith('"'):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                self.fail(line, f"bad double-quoted string {text}")
        if text.startswith("'"):
            if len(text) < 2 or not text.endswith("'"):
                self.fail(line, f"bad single-quoted string {text}")
            return text[1:-1].replace("''", "'")
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
        return text


def _is_mapping_entry(text):
    """True if `text` is `key: ...` or `key:` (a colon followed by a space or the end)."""
    key, colon, rest = text.partition(":")
    quoted = text[:1] in "'\""
    if quoted:
        end = text.find(text[0], 1)
        if end < 0:
            return False
        key, colon, rest = text[:end + 1], text[end + 1:end + 2], text[end + 2:]
        return colon == ":" and (not rest or rest[0] == " ")
    return bool(colon) and bool(key.strip()) and (not rest or rest[0] == " ")


def _split_outside_quotes(text, separator):
    parts, current, quote = [], [], None
    for c in text:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(c)
    parts.append("".join(current))
    return parts
