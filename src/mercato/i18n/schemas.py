"""Language settings as the API and the CLI show and take them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LanguagesPublic(BaseModel):
    user_language: str | None = Field(description="the caller's own choice, if any")
    workspace_language: str | None = Field(description="the workspace default, if any")
    effective: str = Field(description="the language pages are shown in")
    available: dict[str, str] = Field(description="code -> the language's own name")


class LanguageUpdate(BaseModel):
    language: str | None = Field(
        description="`en`, `ja` (or `ja-JP`); null clears the choice", max_length=35
    )
