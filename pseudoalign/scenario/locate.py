"""Where each key of a TOML document stands: key path -> line number, for error messages.

Owns: a tolerant scanner of TOML text. It never decides validity (tomllib does); it only
finds lines. Imports nothing of the package.
"""

from __future__ import annotations

import re

# the body of a one-line string: basic ("...", backslash escapes taken whole) or literal ('...')
_BASIC = re.compile(r'(?:[^"\\\n]+|\\[\s\S]?)*')
_LITERAL = re.compile(r"[^'\n]*")

#: A key's path in a document: table keys, and list indices from 0.
KeyPath = tuple[str | int, ...]


class _Scan:
    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}

    # -- low level -------------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.t[self.i:self.i + n]

    def adv(self, n: int = 1) -> None:
        chunk = self.t[self.i:self.i + n]
        self.line += chunk.count("\n")
        self.i += n

    def skip_ws(self, newlines: bool) -> None:
        while self.i < len(self.t):
            c = self.t[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.adv()
            elif c == "#":
                while self.i < len(self.t) and self.t[self.i] != "\n":
                    self.adv()
            else:
                return

    def string(self) -> str:
        for q in ('"""', "'''"):
            if self.peek(3) == q:
                self.adv(3)
                end = self.t.find(q, self.i)
                end = len(self.t) if end < 0 else end
                # a closing run may hold up to two more quotes
                while self.t[end + 3:end + 4] == q[0]:
                    end += 1
                body = self.t[self.i:end]
                self.adv(end - self.i + 3)
                return body
        q = self.peek()
        self.adv()
        # to the closing quote or the end of the line, a run at a time (a value may be 1 MB long)
        m = (_BASIC if q == '"' else _LITERAL).match(self.t, self.i)
        body = m.group() if m else ""  # both patterns match the empty string: m is never None
        self.adv(len(body))
        self.adv()
        return body

    def key(self) -> list[str]:
        parts = []
        while True:
            self.skip_ws(False)
            if self.peek() in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.i
                while self.i < len(self.t) and (self.t[self.i].isalnum() or self.t[self.i] in "_-"):
                    self.adv()
                if self.i == start:
                    raise ValueError("no key")
                parts.append(self.t[start:self.i])
            self.skip_ws(False)
            if self.peek() == ".":
                self.adv()
                continue
            return parts

    # -- structure -------------------------------------------------------------
    def value(self, path: KeyPath) -> None:
        self.skip_ws(False)
        c = self.peek()
        if c == "{":
            self.adv()
            self.inline_table(path)
        elif c == "[":
            self.adv()
            self.array(path)
        elif c in ('"', "'"):
            self.string()
        else:
            while self.i < len(self.t) and self.t[self.i] not in ",]}\n#":
                self.adv()

    def inline_table(self, path: KeyPath) -> None:
        while self.i < len(self.t):
            self.skip_ws(True)
            if self.peek() == "}":
                self.adv()
                return
            if self.peek() == ",":
                self.adv()
                continue
            self.key_value(path)

    def array(self, path: KeyPath) -> None:
        index = 0
        while self.i < len(self.t):
            self.skip_ws(True)
            c = self.peek()
            if c == "]":
                self.adv()
                return
            if c == ",":
                self.adv()
                index += 1
                continue
            self.lines.setdefault(path + (index,), self.line)
            self.value(path + (index,))

    def document(self) -> dict[KeyPath, int]:
        current: KeyPath = ()
        counts: dict[KeyPath, int] = {}  # each array of tables (by its path): the index of its last table
        while self.i < len(self.t):
            self.skip_ws(True)
            if self.i >= len(self.t):
                break
            line = self.line
            if self.peek(2) == "[[":
                self.adv(2)
                name = _within(tuple(self.key()), counts)
                self.adv(2)
                counts[name] = counts.get(name, -1) + 1
                current = name + (counts[name],)
                self.lines.setdefault(name, line)
                self.lines.setdefault(current, line)
            elif self.peek() == "[":
                self.adv()
                current = _within(tuple(self.key()), counts)
                self.adv()
                for n in range(1, len(current) + 1):
                    self.lines.setdefault(current[:n], line)
            else:
                self.key_value(current)
        return self.lines

    def key_value(self, table: KeyPath) -> None:
        """``key = value`` in ``table``: the key's line recorded, the value scanned."""
        line = self.line
        full = table + tuple(self.key())
        self.lines.setdefault(full, line)
        self.skip_ws(False)
        if self.peek() != "=":
            raise ValueError("expected =")
        self.adv()
        self.value(full)


def _within(header: tuple[str, ...], counts: dict[KeyPath, int]) -> KeyPath:
    """A table header's path with the index of each array of tables it lies in: under
    ``[[train.variant]]``, ``[[train.variant.place]]`` is ('train', 'variant', 0, 'place')."""
    path: KeyPath = ()
    for k, part in enumerate(header):
        path += (part,)
        if k < len(header) - 1 and path in counts:
            path += (counts[path],)
    return path


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map each key path (strings, and ints for array items) to its 1-based line; best effort."""
    scan = _Scan(text)
    try:
        return scan.document()
    except (ValueError, IndexError, RecursionError):
        return scan.lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path`` or of its nearest ancestor that has one."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
