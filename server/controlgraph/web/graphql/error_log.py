"""What the server log says about GraphQL errors: one line for a refused document, a traceback only for a bug.

strawberry logs every error of every response at ERROR, with the traceback of its cause. A document
refused by a limit or by validation, or a caller's mistake answered as one of our own errors, is no
failure of the server: it gets one INFO line (the message, cut short), so hostile documents cannot
flood the log with tracebacks. An unexpected exception under a resolver keeps its traceback, once.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from controlgraph.errors import ControlGraphError

logger = logging.getLogger("controlgraph.graphql")
_MESSAGE_CHARS = 200


def unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, ControlGraphError | GraphQLError)


class QuietSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if unexpected(error):
                logger.error("GraphQL resolver failed: %s", error.message[:_MESSAGE_CHARS],
                             exc_info=error.original_error)
            else:
                logger.info("GraphQL document refused: %s", error.message[:_MESSAGE_CHARS])
