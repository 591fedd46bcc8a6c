"""WhatsApp Cloud API: what the channel (bot/channels/whatsapp.py) and the reminder sender
(bot/reminders/whatsapp.py) share. Importable without Rasa.

* ``config``      - WHATSAPP_* environment variables.
* ``webhook``     - the signature check and the reading of webhook bodies (pure).
* ``messages``    - outbound message bodies: text, reply buttons, list, template (pure).
* ``inbound_log`` - message ids already answered (Meta redelivers) and the time of each
  user's last message (the 24-hour window), in the reminders database.
"""
