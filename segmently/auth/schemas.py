from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=1000)
    email: str = Field(max_length=1000)
    organization_name: str = Field(max_length=1000)
    password: str = Field(max_length=1000)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=1000)
    password: str = Field(max_length=1000)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=1000)
    email: str | None = Field(default=None, max_length=1000)


class OrganizationOut(BaseModel):
    id: uuid.UUID
    name: str
    plan: str
    role: str


class UserOut(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    created_at: datetime
    organization: OrganizationOut


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 (the scheme name, not a secret)
    expires_in_days: int
    user: UserOut
