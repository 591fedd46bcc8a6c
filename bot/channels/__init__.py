"""Input channels: REST (web page, tests) and Telegram, both bounding input first."""
