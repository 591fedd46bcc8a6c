"""Rasa custom actions (run by `rasa run actions`); the logic lives in the bot package."""
