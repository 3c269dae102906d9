"""JQL as the fake Jira reads it: tokens, then a recursive-descent parser into predicates.

Enough JQL for syncer and a person poking at the fake; anything else is answered the way Jira
answers it: 400 with `errorMessages` quoting where the query went wrong. The searchable fields
and how each compares are in `jql_fields`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncer.fakes.jira.jql_fields import FIELDS, SORTS, Predicate, sorted_issues
from syncer.fakes.jira.state import Issue, JiraApiError, jql_error

if TYPE_CHECKING:
    from syncer.fakes.jira.state import JiraState

_JQL_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    r"""|(?P<op>!=|>=|<=|!~|=|>|<|~|\(|\)|,)|(?P<word>[^\s"'=!<>~(),]+))"""
)
_OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "~", "!~")


@dataclass
class _Token:
    kind: str
    text: str
    at: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokenize(jql: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(jql.rstrip()):
        match = _JQL_TOKEN.match(jql, pos)
        if match is None or match.lastgroup is None:
            raise jql_error(
                f"Error in the JQL Query: The character '{jql[pos]}' is a reserved "
                f"JQL character. (line 1, character {pos + 1})"
            )
        tokens.append(
            _Token(match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup))
        )
        pos = match.end()
    return tokens


def _unknown_field(name: str) -> JiraApiError:
    return jql_error(f"Field '{name}' does not exist or you do not have permission to view it.")


def _unquote(token: _Token) -> str:
    if token.kind != "str":
        return token.text
    return re.sub(r"\\(.)", r"\1", token.text[1:-1])


class JqlParser:
    """Enough JQL for syncer and a person poking at the fake: clauses on project, key, labels,
    status, priority, assignee, dates and text, joined by AND/OR/NOT with parentheses, and
    ORDER BY. Anything else is answered the way Jira answers it: 400 with errorMessages."""

    def __init__(self, jira: JiraState, jql: str) -> None:
        self.jira = jira
        self.tokens = _tokenize(jql)
        self.pos = 0

    def parse(self) -> tuple[Predicate, list[tuple[str, bool]]]:
        predicate: Predicate = lambda issue: True  # noqa: E731
        if self._peek().kind != "end" and self._peek().upper != "ORDER":
            predicate = self._or()
        order = self._order_by()
        if self._peek().kind != "end":
            raise self._expecting("AND, OR or ORDER BY")
        return predicate, order

    def _peek(self) -> _Token:
        if self.pos < len(self.tokens):
            return self.tokens[self.pos]
        return _Token("end", "", sum(len(t.text) for t in self.tokens))

    def _next(self) -> _Token:
        token = self._peek()
        self.pos += 1
        return token

    def _expecting(self, what: str) -> JiraApiError:
        token = self._peek()
        got = f"'{token.text}'" if token.kind != "end" else "end of query"
        return jql_error(
            f"Error in the JQL Query: Expecting {what} but got {got}. "
            f"(line 1, character {token.at + 1})"
        )

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek().upper == "OR":
            self._next()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else lambda issue: any(p(issue) for p in parts)

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._peek().upper == "AND":
            self._next()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else lambda issue: all(p(issue) for p in parts)

    def _not(self) -> Predicate:
        if self._peek().upper == "NOT":
            self._next()
            inner = self._not()
            return lambda issue: not inner(issue)
        if self._peek().text == "(":
            self._next()
            inner = self._or()
            if self._next().text != ")":
                self.pos -= 1
                raise self._expecting("')'")
            return inner
        return self._clause()

    def _clause(self) -> Predicate:
        token = self._next()
        if token.kind not in ("word", "str"):
            self.pos -= 1
            raise self._expecting("a field name")
        name = _unquote(token).lower()
        field_ = FIELDS.get(name)
        if field_ is None:
            raise _unknown_field(_unquote(token))
        operator = self._operator()
        return field_.predicate(self, name, operator)

    def _operator(self) -> str:
        token = self._next()
        if token.kind == "op" and token.text in _OPERATORS:
            return token.text
        word = token.upper
        if word == "NOT" and self._peek().upper == "IN":
            self._next()
            return "not in"
        if word == "IS" and self._peek().upper == "NOT":
            self._next()
            return "is not"
        if word in ("IN", "IS"):
            return word.lower()
        self.pos -= 1
        raise self._expecting(
            "operator ('=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' "
            "or 'IS NOT')"
        )

    def values(self, operator: str) -> list[str]:
        """The operand: one value, a parenthesised list for IN, EMPTY for IS."""
        if operator in ("is", "is not"):
            token = self._next()
            if token.upper not in ("EMPTY", "NULL"):
                self.pos -= 1
                raise self._expecting("EMPTY or NULL")
            return []
        if operator in ("in", "not in"):
            return self._list()
        token = self._next()
        if token.kind not in ("word", "str"):
            self.pos -= 1
            raise self._expecting("a value")
        return [_unquote(token)]

    def _list(self) -> list[str]:
        if self._next().text != "(":
            self.pos -= 1
            raise self._expecting("'('")
        values = []
        while True:
            token = self._next()
            if token.kind not in ("word", "str"):
                self.pos -= 1
                raise self._expecting("a value")
            values.append(_unquote(token))
            separator = self._next()
            if separator.text == ")":
                return values
            if separator.text != ",":
                self.pos -= 1
                raise self._expecting("',' or ')'")

    def _order_by(self) -> list[tuple[str, bool]]:
        if self._peek().upper != "ORDER":
            return []
        self._next()
        if self._next().upper != "BY":
            self.pos -= 1
            raise self._expecting("BY")
        order = [self._sort_key()]
        while self._peek().text == ",":
            self._next()
            order.append(self._sort_key())
        return order

    def _sort_key(self) -> tuple[str, bool]:
        token = self._next()
        name = _unquote(token).lower()
        if name not in SORTS:
            if name in FIELDS:
                raise jql_error(f"Field '{name}' does not support sorting.")
            raise _unknown_field(name)
        descending = False
        if self._peek().upper in ("ASC", "DESC"):
            descending = self._next().upper == "DESC"
        return name, descending


def matching(jira: JiraState, jql: str, issues: list[Issue]) -> list[Issue]:
    """The issues `jql` selects, in its order."""
    predicate, order = JqlParser(jira, jql).parse()
    return sorted_issues([i for i in issues if predicate(i)], order)
