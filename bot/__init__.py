"""Chat platforms around the core: the command router and its adapters (console, Telegram, Slack)."""
