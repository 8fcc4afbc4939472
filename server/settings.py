"""One typed Settings object for the whole service; secrets come only from the environment."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_WEBHOOK_TOKEN = "demo-webhook-token"
DEMO_CHANNEL_ID = "3f9c1a22-7d54-4b8e-a1c0-5e6f7a8b9c0d"
DEMO_INBOX_PASSWORD = "noor-demo"
"""The seeded demo accounts' password; outside sandbox mode no account signs in with it."""
DEMO_PREFIX = "demo-"
"""Every demo secret starts with it; none is accepted outside sandbox mode."""
DEMO_SECRETS = (
    "wazzup_webhook_token",
    "wazzup_api_key",
    "document_link_secret",
    "zoho_client_id",
    "zoho_client_secret",
    "zoho_inventory_refresh_token",
    "zoho_crm_refresh_token",
    "telegram_bot_token",
)


class Settings(BaseSettings):
    # An empty variable counts as unset: compose files and CI pass "" for what they do not configure.
    model_config = SettingsConfigDict(env_prefix="NOOR_", env_file=".env", extra="ignore", env_ignore_empty=True)

    # Service
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None, description="Base URL customers and providers reach us at; defaults to http://host:port"
    )
    data_dir: Path = Path(".data")
    log_level: str = "INFO"
    sandbox: bool = Field(default=True, description="Mount the fake external services under /sandbox/")
    database_url: str | None = None

    # Wazzup24
    wazzup_webhook_token: SecretStr = SecretStr(DEMO_WEBHOOK_TOKEN)
    wazzup_api_key: SecretStr = SecretStr("demo-wazzup-key")
    wazzup_base_url: str | None = None
    wazzup_channel_id: str = DEMO_CHANNEL_ID
    wazzup_timeout_seconds: float = 10.0
    webhook_max_body_bytes: int = Field(
        default=1_000_000, gt=0, description="A webhook body over this size is refused whole (413)"
    )
    webhook_max_items: int = Field(
        default=500, gt=0, description="A webhook body with more messages and statuses than this is refused (413)"
    )

    # Dispatcher: one turn at a time per chat, bursts grouped
    debounce_seconds: float = 1.5
    debounce_cap_seconds: float = 6.0
    workers: int = Field(default=4, ge=1, description="Turns one worker process runs at once")
    worker_processes: int = Field(
        default=1, ge=0, description="Worker processes `noor run` starts; 0 for an API-only node"
    )
    poll_interval_seconds: float = 0.25
    worker_heartbeat_seconds: float = Field(default=2.0, gt=0, description="How often a worker says it is alive")
    worker_heartbeat_stale_seconds: float = Field(
        default=10.0, gt=0, description="/health/ready counts a worker dead when its last beat is older than this"
    )

    # Sender: retries with backoff on 429/5xx/timeouts
    send_max_attempts: int = 8
    send_backoff_seconds: float = 0.5
    send_backoff_cap_seconds: float = 30.0

    # LLM (OpenRouter, OpenAI-compatible); no key means the deterministic offline model
    openrouter_api_key: SecretStr | None = None
    openrouter_base_url: str = "https://openrouter.ai/api/v1"
    openrouter_model: str = "deepseek/deepseek-v3.2"
    openrouter_fallback_models: list[str] = ["openai/gpt-4o-mini"]
    openrouter_timeout_seconds: float = 30.0
    offline_latency_seconds: float = Field(
        default=0.0, ge=0, description="Simulated thinking time of the offline model (demos, crash drills)"
    )

    # Zoho (EU data centre); unset URLs point at the sandbox fakes
    zoho_client_id: str = "demo-client-id"
    zoho_client_secret: SecretStr = SecretStr("demo-client-secret")
    zoho_inventory_refresh_token: SecretStr = SecretStr("demo-inventory-refresh-token")
    zoho_crm_refresh_token: SecretStr = SecretStr("demo-crm-refresh-token")
    zoho_organization_id: str = "20071234567"
    zoho_accounts_url: str | None = None
    zoho_inventory_url: str | None = None
    zoho_crm_url: str | None = None

    # Telegram (manager alerts)
    telegram_bot_token: SecretStr = SecretStr("demo-telegram-token")
    telegram_base_url: str | None = None

    # Media: voice notes, photos, floor plans and documents (issue 8): tools/media/, server/worker/media.py
    media_dir: Path | None = Field(default=None, description="Local media store; default <data_dir>/media")
    media_max_mb_audio: float = Field(default=25.0, gt=0, description="Download limits per message type, in MB")
    media_max_mb_image: float = Field(default=16.0, gt=0)
    media_max_mb_video: float = Field(default=64.0, gt=0)
    media_max_mb_document: float = Field(default=100.0, gt=0)
    media_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    media_read_timeout_seconds: float = Field(default=20.0, gt=0)
    media_download_timeout_seconds: float = Field(default=120.0, gt=0, description="Whole download, one attempt")
    media_download_attempts: int = Field(default=3, ge=1)
    media_backoff_seconds: float = Field(default=0.5, ge=0)
    media_backoff_cap_seconds: float = Field(default=8.0, ge=0)
    media_allowed_hosts: list[str] = Field(
        default_factory=list, description="Hosts contentUri may point at (and their subdomains); empty: any"
    )
    stt_providers: list[str] = Field(
        default=["openrouter", "openai", "offline"],
        description="Speech-to-text order; hosted ones are used only when their key is set, offline when installed",
    )
    stt_openrouter_model: str = "openai/gpt-4o-mini-transcribe"
    openai_api_key: SecretStr | None = Field(default=None, description="OpenAI, for speech to text only")
    openai_base_url: str = "https://api.openai.com/v1"
    stt_openai_model: str = "gpt-4o-mini-transcribe"
    stt_timeout_seconds: float = Field(default=60.0, gt=0)
    vision_model: str | None = Field(
        default=None, description="A vision model on OpenRouter (e.g. google/gemini-2.5-flash) to read photos"
    )
    vision_timeout_seconds: float = Field(default=30.0, gt=0)

    # Quotations, pricing and Zoho CRM (issue 5): agent/policies/pricing.py, agent/services/quotes.py,
    # agent/services/crm.py, server/components/documents.py
    vat_rate: Decimal = Field(default=Decimal("0.05"), ge=0, le=1, description="UAE VAT on the discounted subtotal")
    quote_validity_days: int = Field(default=14, ge=1)
    discount_tiers: str = Field(
        default="10000:5,25000:8,50000:12", description="Volume tiers 'min_subtotal:max_percent,...' (AED excl. VAT)"
    )
    discount_bot_max_percent: Decimal = Field(
        default=Decimal(5), ge=0, le=100, description="The most the bot grants itself; beyond: manager approval"
    )
    discount_approval_from: Decimal | None = Field(
        default=Decimal(50000), description="From this subtotal every discount needs a manager (director's tier)"
    )
    discount_with_pricebook: bool = Field(default=False, description="Volume discounts on top of price-book prices")
    quote_company_name: str = "Treejar"
    quote_legal_name: str = "Treejar Office Furniture Trading LLC"
    quote_address: str = "Al Quoz Industrial Area 3, Dubai, United Arab Emirates"
    quote_trn: str = ""
    quote_phone: str = ""
    quote_email: str = ""
    quote_website: str = "treejar.com"
    quote_bank_details: str = "Bank transfer to our account with Emirates NBD; full details on the proforma invoice."
    quote_terms: str = (
        "Prices are in AED and exclude 5% VAT. Stock items: 100% payment before delivery. Made-to-order items: "
        "50% advance, 50% before delivery. Stock is reserved only when the order is confirmed with payment."
    )
    quote_pdf_prefer_zoho: bool = Field(
        default=True, description="Send Zoho's sales-order PDF when Zoho renders one; else our own"
    )
    document_link_secret: SecretStr = SecretStr("demo-document-link-secret")
    document_link_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    crm_pipeline: str = "Standard (Standard)"
    crm_stage_interest: str = "Qualification"
    crm_stage_quotation_sent: str = "Proposal/Price Quote"
    crm_stage_order_confirmed: str = "Closed Won"
    crm_stage_lost: str = "Closed Lost"
    crm_lead_source: str = "WhatsApp"
    customer_cache_seconds: float = Field(default=24 * 3600, gt=0, description="Re-identify a chat after this")

    # Managers' inbox, escalations and Telegram alerts (issue 6)
    inbox_demo_password: SecretStr | None = Field(
        default=SecretStr(DEMO_INBOX_PASSWORD), description="Password of seeded manager accounts, in sandbox mode only"
    )
    inbox_session_hours: float = 12.0
    inbox_login_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins for one account within the window before sign-in waits (429)"
    )
    inbox_login_max_failures_per_ip: int = Field(default=20, ge=1, description="The same, from one address")
    inbox_login_window_minutes: float = Field(default=15.0, gt=0)
    inbox_bearer_token_days: float = 30.0
    inbox_cookie_secure: bool | None = Field(default=None, description="None: Secure when public_url is https")
    escalation_order_value_aed: float = 10_000.0
    escalation_fallback_manager_id: str | None = "mgr_01"
    alert_poll_seconds: float = 1.0
    human_idle_release_minutes: float = Field(
        default=240.0, ge=0, description="Human mode ends after this long without messages (0: never)"
    )

    # Follow-ups and the 24-hour window (issue 13): server/storage/followups.py, server/worker/jobs/followups.py
    followups_enabled: bool = Field(default=True, description="Remind after quotations and nudge abandoned carts")
    followup_quote_delay_hours: float = Field(
        default=20.0, gt=0, description="A quotation nobody answered gets one reminder after this long"
    )
    followup_cart_delay_hours: float = Field(
        default=3.0, gt=0, description="Products discussed without a quotation get one nudge after this long"
    )
    followup_timezone: str = Field(default="Asia/Dubai", description="The client's time zone for business hours")
    followup_business_days: list[int] = Field(
        default=[0, 1, 2, 3, 4], description="Days follow-ups may go out, Monday = 0 (the UAE week: Mon-Fri)"
    )
    followup_business_start_hour: int = Field(default=9, ge=0, le=23)
    followup_business_end_hour: int = Field(default=18, ge=1, le=24)
    followup_quote_template: str = Field(
        default="noor_quote_reminder", description="WABA template for a reminder outside the 24-hour window"
    )
    followup_cart_template: str = Field(
        default="noor_cart_nudge", description="WABA template for a nudge outside the 24-hour window"
    )
    followup_poll_seconds: float = Field(default=30.0, gt=0)

    @property
    def media_path(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    # Catalog: Zoho sync, search indexes (one per process under data_dir/catalog), knowledge base
    catalog_sync_interval_seconds: float = Field(default=300.0, gt=0, description="Incremental Zoho item sync")
    catalog_sync_on_start: bool = Field(
        default=True, description="Workers run a full sync at start when `products` is empty (or resume one)"
    )
    catalog_ready_wait_seconds: float = Field(
        default=30.0, ge=0, description="A starting worker waits at most this long for its start-up sync to answer"
    )
    catalog_refresh_seconds: float = Field(
        default=30.0, gt=0, description="Each process re-reads changed products at least this often"
    )
    qdrant_url: str | None = Field(default=None, description="Production: a shared Qdrant server (else Qdrant Edge)")
    qdrant_api_key: SecretStr | None = None
    knowledge_dir: Path = Path(__file__).resolve().parents[1] / "data" / "knowledge"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def sandbox_url(self, path: str) -> str:
        return f"{self.base_url}/sandbox/{path.lstrip('/')}"

    @property
    def wazzup_api_url(self) -> str:
        return self.wazzup_base_url or self.sandbox_url("wazzup/v3")

    @property
    def zoho_accounts_api_url(self) -> str:
        return self.zoho_accounts_url or self.sandbox_url("zoho")

    @property
    def zoho_inventory_api_url(self) -> str:
        return self.zoho_inventory_url or self.sandbox_url("zoho/inventory/v1")

    @property
    def zoho_crm_api_url(self) -> str:
        return self.zoho_crm_url or self.sandbox_url("zoho/crm/v7")

    @property
    def telegram_api_url(self) -> str:
        return self.telegram_base_url or self.sandbox_url("telegram")

    @property
    def offline_model(self) -> bool:
        return self.openrouter_api_key is None

    # Provider deadlines: a hanging provider (timeout and retry) must not keep the customer waiting; after this
    # long per call the offline model answers instead (agent/models/chat.py FallbackModel)
    model_understand_deadline_seconds: float = Field(
        default=8.0, gt=0, description="Overall time for the provider to understand a message"
    )
    model_write_deadline_seconds: float = Field(
        default=12.0, gt=0, description="Overall time for the provider to write a reply, tool calls included"
    )

    # Quality review (issue 12): conversations quiet this long are reviewed offline on the checklist by the workers
    quality_review_idle_minutes: float = Field(
        default=30.0, ge=0, description="Review a conversation after this long without messages (0: never)"
    )
    quality_review_poll_seconds: float = Field(default=60.0, gt=0)
    quality_judge_model: str | None = Field(
        default=None,
        description="An OpenRouter model that reviews them too (the LLM judge, prompts/quality_judge.md)",
    )

    # --- Admin, KPIs, low-score alerts and the weekly report (issue 12, the admin part) -------------------------
    # server/desk/metrics.py, server/desk/reports.py, server/worker/jobs/quality_alerts.py, weekly_report.py
    quality_alert_below_share: float = Field(
        default=0.6, ge=0, le=1, description="A review scoring under this share alerts the head of sales (0: never)"
    )
    quality_alert_poll_seconds: float = Field(default=30.0, gt=0)
    weekly_report_enabled: bool = Field(default=True, description="Send last week's report to the head of sales")
    weekly_report_hour: int = Field(
        default=9, ge=0, le=23, description="Dubai hour on Monday from which last week's report is sent"
    )
    weekly_report_poll_seconds: float = Field(default=600.0, gt=0)
    # --- end of the admin block ----------------------------------------------------------------------------------

    # --- Storage, retention and backups (issue 16): tools/storage/, server/components/storage.py,
    # server/worker/jobs/retention.py, server/storage/backup.py ------------------------------------------------
    storage: Literal["local", "s3"] = Field(
        default="local", description="Where media and quotation PDFs live: local files under data_dir, or S3"
    )
    s3_endpoint: str = Field(default="https://s3.amazonaws.com", description="Any S3-compatible endpoint")
    s3_bucket: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    s3_prefix: str = Field(default="", description="Prepended to every key, e.g. 'noor/' to share a bucket")
    media_retention_days: float = Field(
        default=180.0, ge=0, description="Customers' files are deleted from storage after this long (0: keep)"
    )
    document_retention_days: float = Field(
        default=365.0, ge=0, description="Quotation PDFs are deleted from storage after this long (0: keep)"
    )
    checkpoints_kept: int = Field(
        default=10, ge=0, description="LangGraph checkpoints kept per thread and namespace, the latest (0: all)"
    )
    retention_poll_seconds: float = Field(default=3600.0, gt=0, description="How often the retention job runs")

    @model_validator(mode="after")
    def _s3_needs_a_bucket_and_keys(self) -> Settings:
        if self.storage == "s3":
            missing = [
                f"NOOR_{name.upper()}"
                for name in ("s3_bucket", "s3_access_key", "s3_secret_key")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"NOOR_STORAGE=s3 needs {', '.join(missing)}")
        return self

    # --- end of the storage block ------------------------------------------------------------------------------

    @model_validator(mode="after")
    def _no_demo_secret_outside_sandbox(self) -> Settings:
        """Outside the demo a known token would let anyone post webhooks or forge document links: refuse to start."""
        if self.sandbox:
            return self
        demo = [name for name in DEMO_SECRETS if _plain(getattr(self, name)).startswith(DEMO_PREFIX)]
        if demo:
            names = ", ".join(f"NOOR_{name.upper()}" for name in demo)
            raise ValueError(
                f"NOOR_SANDBOX is false but these still hold their public demo values: {names}. "
                "Set each to your own value (or run with NOOR_SANDBOX=true for the demo)."
            )
        return self


def _plain(value: SecretStr | str) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
