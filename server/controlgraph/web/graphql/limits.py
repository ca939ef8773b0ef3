"""Limits on what one GraphQL document may ask for, and the strawberry extensions enforcing them.

- depth (``graphql_max_depth``) and aliases (``graphql_max_aliases``): strawberry's own limiters;
- tokens: strawberry's limiter, so a huge document is refused before it is even parsed in full;
- complexity (``graphql_max_complexity``): an estimate of the nodes an answer may hold. Each field costs 1
  plus its selections; the ``edges`` of a connection count once per item of the page asked for (``first``;
  a variable counts as the largest page, no ``first`` as the default page). Fragments are expanded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from controlgraph.errors import ControlGraphError
from controlgraph.settings import Settings
from controlgraph.web.graphql.pagination import DEFAULT_PAGE
from controlgraph.web.graphql.response_cache import response_cache

MAX_TOKENS = 4_000


def estimate_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    page_size_max: int,
    page: int | None = None,
    seen: frozenset[str] = frozenset(),
) -> int:
    """Nodes an answer may hold. ``page`` is the ``first`` of the closest field above still to apply:
    it multiplies the next ``edges`` below (a connection may sit inside a payload object)."""
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            asked = _first_of(selection, page_size_max)
            if selection.name.value == "edges":
                size = page if page is not None else min(DEFAULT_PAGE, page_size_max)
                total += 1 + size * estimate_cost(selection.selection_set, fragments, page_size_max, None, seen)
            else:
                below = asked if asked is not None else page
                total += 1 + estimate_cost(selection.selection_set, fragments, page_size_max, below, seen)
        elif isinstance(selection, InlineFragmentNode):
            total += estimate_cost(selection.selection_set, fragments, page_size_max, page, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # a fragment cycle is another rule's error
                total += estimate_cost(fragment.selection_set, fragments, page_size_max, page, seen | {name})
    return total


def _first_of(field: FieldNode, page_size_max: int) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        if isinstance(argument.value, IntValueNode):
            return max(1, min(int(argument.value.value), page_size_max))
        if isinstance(argument.value, VariableNode):
            return page_size_max  # unknown until run: the worst case
    return None


def complexity_rule(max_complexity: int, page_size_max: int) -> type[ValidationRule]:
    class ComplexityLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments = {
                d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            cost = estimate_cost(node.selection_set, self.fragments, page_size_max)
            if cost > max_complexity:
                name = node.name.value if node.name else "anonymous operation"
                self.report_error(GraphQLError(
                    f"'{name}' is too complex: estimated cost {cost} exceeds the limit of {max_complexity}; "
                    "ask for smaller pages (first) or fewer nested fields",
                    node,
                ))

    return ComplexityLimit


def should_mask(error: GraphQLError) -> bool:
    """Hide every unexpected failure's details; our own errors (one-line, user-facing) pass."""
    original = error.original_error
    return original is not None and not isinstance(original, ControlGraphError | GraphQLError)


def extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories of the schema's extensions (strawberry makes them afresh for each request).

    The validation rules are made once here, so the validation cache (keyed by the rule classes too)
    answers repeated documents without validating them again.
    """
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
        complexity_rule(settings.graphql_max_complexity, settings.page_size_max),
    ]
    if not settings.api_explorers:
        rules.append(NoSchemaIntrospectionCustomRule)
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=256),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=256),
        response_cache(settings.graphql_cache_bytes, settings.graphql_cache_entry_bytes),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Internal error."),
    ]
