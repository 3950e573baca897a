"""HTTP only: parse, authenticate, call the registry, serialise. See ``create_app``."""

from .app import create_app

__all__ = ["create_app"]
