"""Shared test support code (fake external services that speak the real protocols)."""
