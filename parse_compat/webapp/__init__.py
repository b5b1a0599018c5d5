"""The practice's web app: static ES modules on the official Parse JavaScript SDK, served at /app."""

from .route import install_webapp, web_app_enabled

__all__ = ["install_webapp", "web_app_enabled"]
