from ninja import Field, Schema
from pydantic import field_validator

NO_NUL = "must not contain the NUL character (\\x00)"


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)

    @field_validator("username", "password")
    @classmethod
    def has_no_nul(cls, value: str) -> str:
        # PostgreSQL cannot compare text holding NUL: the user lookup would be a 500.
        if "\x00" in value:
            raise ValueError(NO_NUL)
        return value


class TokenOut(Schema):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
