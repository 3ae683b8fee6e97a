"""Modal screens: help, re-authentication, confirmation."""
