"""Reward expressions: the grammar of ``reward``, beliefs and their terms.

Owns: parsing an expression string into Terms (like terms combined into one). Imports vocab
only. Nothing is evaluated here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from attrs import frozen

from ..vocab import CONSTANT, feature_problem, is_event

# The largest number an expression may hold. Rewards are summed over up to 1,000 steps of
# features counting up to about 10**7 (4,096 cells of 99 units, crumbs of cookies), and a
# belief multiplies two coefficients: at 1e9 every sum stays far inside float range, so no
# plan meets an infinity (and an infinity less an infinity, which is no number at all).
MAX_NUMBER = 1e9


@frozen
class Term:
    """``coef * feature``, counted every step, or only after the last one when ``final``."""

    coef: float
    feature: str
    final: bool = False

    @property
    def is_event(self) -> bool:
        return is_event(self.feature)

    def text(self) -> str:
        if self.feature == CONSTANT:
            return _num(self.coef)
        body = f"final({self.feature})" if self.final else self.feature
        return body if self.coef == 1 else f"{_num(self.coef)}*{body}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


class ExprError(ValueError):
    """A bad expression: ``column`` is 1-based within the expression string."""

    def __init__(self, message: str, text: str, column: int) -> None:
        self.message, self.text, self.column = message, text, column
        super().__init__(f"{message} at column {column}: {text!r}")



_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"
    r"|(?P<op>[-+*()])"
    r"|(?P<end>\Z)"
    r"|(?P<bad>.))",
    re.DOTALL,
)


#: A token: (kind, its text, its 1-based column); kind is num, name, op or end.
Token = tuple[str, str, int]


def _tokens(text: str) -> list[Token]:
    """(kind, text, 1-based column) of each token, then ("end", "", len + 1).

    One pass with match(text, pos): each token is matched where the last one ended, so the
    work is linear in the length of the text (a 1 MB expression takes well under a second).
    """
    pos = 0
    out: list[Token] = []
    match = _TOKEN.match
    while True:
        m = match(text, pos)
        assert m is not None  # the pattern matches at any position: a token, the end, or one bad character
        kind = m.lastgroup or "end"
        if kind == "end":
            break
        start = m.start(kind)
        if kind == "bad":
            raise ExprError(f"unexpected character {text[start]!r}", text, start + 1)
        out.append((kind, m.group(kind), start + 1))
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


def parse(text: str, *, allow_final: bool = True) -> tuple[Term, ...]:
    """Parse ``text`` into terms; raise ExprError pointing into the string."""
    if not isinstance(text, str):
        raise ExprError("an expression must be a string", str(text), 1)
    fast = _parse_fast(text, allow_final)
    if fast is not None:
        return fast
    toks = _tokens(text)
    i = 0
    terms: list[Term] = []

    def peek() -> Token:
        return toks[i]

    def take() -> Token:
        nonlocal i
        t = toks[i]
        i += 1
        return t

    if peek()[0] == "end":
        raise ExprError("empty expression: write a sum of terms like '2*event.clean - table.stains'", text, 1)
    first = True
    while True:
        sign = 1.0
        kind, val, col = peek()
        if kind == "op" and val in "+-":
            take()
            sign = -1.0 if val == "-" else 1.0
        elif not first:
            raise ExprError(f"expected '+' or '-' between terms, found {val or 'the end'!r}", text, col)
        first = False
        coef = 1.0
        kind, val, col = peek()
        if kind == "num":
            take()
            coef = float(val)
            if not abs(coef) <= MAX_NUMBER:  # NaN fails too
                raise ExprError(f"a number must be finite and at most {MAX_NUMBER:,.0f} in size, "
                                "or a plan's sums of rewards could overflow", text, col)
            if peek()[1] == "*":
                take()
            else:
                terms.append(Term(sign * coef, CONSTANT, False))
                if peek()[0] == "end":
                    break
                continue
        kind, val, col = peek()
        final = False
        if kind == "name" and val == "final":
            take()
            if not allow_final:
                raise ExprError("final(...) is not allowed here", text, col)
            if take()[1] != "(":
                raise ExprError("final must be followed by '(' and a feature", text, col + 5)
            final = True
            kind, val, col = peek()
        if kind != "name":
            if val in "()":
                raise ExprError("parentheses are not part of the grammar: write a sum of terms like "
                                "'2*event.clean - table.stains' (only final(...) takes them)", text, col)
            raise ExprError(f"expected a feature, found {val or 'the end'!r}", text, col)
        take()
        problem = feature_problem(val)
        if problem:
            raise ExprError(problem, text, col)
        if final:
            _kind, v2, c2 = take()
            if v2 != ")":
                raise ExprError(f"expected ')' to close final(, found {v2 or 'the end'!r}", text, c2)
        terms.append(Term(sign * coef, val, final))
        if peek()[0] == "end":
            break
    return combine(terms)


def combine(terms: Sequence[Term]) -> tuple[Term, ...]:
    """Like terms (the same feature, both final or both not) as one, its coefficient their sum,
    in the order of their first appearance; a term the sum leaves at 0 stays (0*x), so the
    terms still name every feature written (it reads no quantity: a weight of 0 has no direction).

    The sum is exact, then rounded once (math.fsum), so it does not depend on the order of the
    terms. Terms without a like one keep their coefficient and their order.
    """
    acc: dict[tuple[str, bool], list[float]] = {}
    for t in terms:
        acc.setdefault((t.feature, t.final), []).append(t.coef)
    if len(acc) == len(terms):
        return tuple(terms)
    return tuple(Term(math.fsum(cs), f, fin) for (f, fin), cs in acc.items())


# The fast path of ``parse``: a well-formed expression (the common case, and the only one that
# can be long) is read a term at a time by one regular expression, its identical terms counted
# at C speed; anything else (a character no term takes, a term without its sign, a bad number or
# feature) goes to the token parser, which says what is wrong. Both give the same terms.
# (Atomic groups: a number or a name is taken whole, as the tokenizer takes it.)
_NUM = r"(?>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
_NAME = r"(?>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"
_TERM = re.compile(rf"\s*([-+]?)\s*(?:({_NUM})(?!\s*\*)|(?:({_NUM})\s*\*\s*)?(?:final\s*\(\s*({_NAME})\s*\)|({_NAME})))"
                   r"|\s*(\S)")


def _parse_fast(text: str, allow_final: bool) -> tuple[Term, ...] | None:
    """The terms of a well-formed expression, or None for the token parser to explain."""
    found = _TERM.findall(text)
    if not found or found[0][5]:
        return None
    unsigned = 0
    acc: dict[tuple[str, bool], Fraction] = {}
    checked: dict[str, bool] = {}
    for (sign, const, num, fin, name, bad), count in Counter(found).items():
        if bad:
            return None
        if not sign:
            unsigned += count
            if unsigned > 1 or found[0][0]:  # only the first term may go without its sign
                return None
        coef = float(const or num or 1.0)
        if not abs(coef) <= MAX_NUMBER:
            return None
        feature = CONSTANT if const else (fin or name)
        if fin and not allow_final:
            return None
        if feature != CONSTANT:
            if feature not in checked:
                checked[feature] = feature != "final" and feature_problem(feature) is None
            if not checked[feature]:
                return None
        key = (feature, bool(fin))
        acc[key] = acc.get(key, Fraction(0)) + Fraction(-coef if sign == "-" else coef) * count
    return tuple(Term(float(c), f, fin) for (f, fin), c in acc.items())


def canonical(terms: Iterable[Term]) -> tuple[tuple[str, bool, float], ...]:
    """Terms with like ones added up, zeros dropped, in a fixed order: for comparing objectives."""
    acc: dict[tuple[str, bool], float] = {}
    for t in terms:
        acc[(t.feature, t.final)] = acc.get((t.feature, t.final), 0.0) + t.coef
    return tuple(sorted((f, fin, c) for (f, fin), c in acc.items() if c != 0))


def substitute(terms: Iterable[Term], beliefs: Mapping[str, tuple[Term, ...]]) -> tuple[Term, ...]:
    """Replace each believed feature by the expression the robot believes it to be (one level deep)."""
    out: list[Term] = []
    for t in terms:
        if t.feature in beliefs:
            for b in beliefs[t.feature]:
                out.append(Term(t.coef * b.coef, b.feature, t.final))
        else:
            out.append(t)
    return tuple(out)
