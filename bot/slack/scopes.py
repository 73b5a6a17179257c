"""The bot scopes manifest.yml asks for: one list for the doctor and the emulator.

A test keeps this in step with manifest.yml.
"""

BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "groups:history",
    "groups:read",
    "im:history",
    "users:read",
)
