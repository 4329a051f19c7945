from ninja import Field, Schema


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(Schema):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
