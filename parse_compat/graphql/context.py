"""What every resolver of one GraphQL request receives (`info.context`): the caller's REST
context, the bridge to the REST operations, the pointer loader and the classes the schema was
generated from."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..http.api import Router
from ..rest.context import RequestContext
from ..storage.base import ClassSchema
from .bridge import PointerLoader, RestBridge


@dataclass
class GraphQLContext:
    ctx: RequestContext
    bridge: RestBridge
    classes: dict[str, ClassSchema]
    long_lived: bool = False  # a subscription: pointers are re-read for every event
    loader: PointerLoader = field(init=False)

    def __post_init__(self) -> None:
        self.loader = PointerLoader(self.ctx, remember=not self.long_lived)

    @classmethod
    def for_request(cls, ctx: RequestContext, router: Router, classes: dict[str, ClassSchema],
                    *, long_lived: bool = False) -> GraphQLContext:
        return cls(ctx, RestBridge(ctx, router), classes, long_lived)
