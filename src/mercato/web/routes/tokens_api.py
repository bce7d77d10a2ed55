"""API tokens of the current workspace: list, create (secret shown once), revoke."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from mercato.catalog import tokens
from mercato.catalog.models import ApiToken
from mercato.core.scopes import Scope
from mercato.web.auth import Admin, ServicesDep

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)
    expires_at: datetime | None = None

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, value: list[Scope]) -> list[Scope]:
        return sorted(set(value))


class TokenPublic(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    secret: str = Field(description="Shown once; store it now.")


def _public(token: ApiToken) -> TokenPublic:
    return TokenPublic(
        id=token.id,
        name=token.name,
        scopes=list(token.scopes),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


@router.get("", operation_id="list_tokens")
def list_tokens(services: ServicesDep, principal: Admin) -> list[TokenPublic]:
    with services.catalog.session() as session:
        return [_public(t) for t in tokens.list_tokens(session, principal.workspace_id)]


@router.post("", operation_id="create_token", status_code=201)
def create_token(body: TokenCreate, services: ServicesDep, principal: Admin) -> TokenCreated:
    with services.catalog.session() as session:
        issued = tokens.issue_token(
            session,
            principal.workspace,
            name=body.name,
            scopes=body.scopes,
            created_by=principal.user_id,
            expires_at=body.expires_at,
        )
        return TokenCreated(**_public(issued.token).model_dump(), secret=issued.secret)


@router.delete("/{token_id}", operation_id="revoke_token")
def revoke_token(token_id: str, services: ServicesDep, principal: Admin) -> TokenPublic:
    with services.catalog.session() as session:
        return _public(tokens.revoke_token(session, principal.workspace_id, token_id))
