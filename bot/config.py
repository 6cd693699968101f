"""Settings from the environment and `.env`; built only in entry points, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.sqlite3"


class Settings(BaseSettings):
    """Every knob of the bot; see .env.example for what each one does."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    answer_grace_seconds: float = Field(default=5.0, ge=0, le=600)
    # the longer pause allowed after a message that stops mid-sentence or mid-code
    answer_wait_seconds: float = Field(default=20.0, ge=0, le=600)
    max_probes: int = Field(default=2, ge=0, le=5)
    # Messages per second overall; Telegram allows about 30, a margin avoids 429 storms.
    telegram_max_rate: float = Field(default=28.0, gt=0, le=30)
    reminder_poll_seconds: float = Field(default=5.0, gt=0, le=300)
    log_level: str = "INFO"
    prompts_dir: Path | None = None

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()
