"""Fake Zoho (OAuth, Inventory v1, CRM v7) for demo and tests; `FakeZoho().app` mounts at /sandbox/zoho."""

from sandbox.zoho.app import DEMO_REFRESH_TOKENS, FakeZoho
from sandbox.zoho.core import FakeClock, FakeZohoConfig, Fault

__all__ = ["DEMO_REFRESH_TOKENS", "FakeClock", "FakeZoho", "FakeZohoConfig", "Fault"]
