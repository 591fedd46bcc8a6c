"""Promemoria per gli esami di controllo (follow-up reminders).

Modules (all small, importable without Rasa):

* ``schedule``  - pure date arithmetic: due dates, notice dates, send window.
* ``dates``     - pure parser for Italian date answers ("il 12 marzo", "3 giorni fa").
* ``texts``     - the reminder message, from content/it/promemoria.yml (topic ``promemoria.avviso``).
* ``config``    - configuration from environment variables.
* ``models``/``db``/``migrations`` - SQLAlchemy tables and Alembic migrations.
* ``store``     - ``ReminderStore``: the repository used by the Rasa actions.
* ``senders``/``telegram`` - delivery channels.
* ``dispatcher`` - the process that sends due reminders exactly once (see its docstring).
* ``cli``       - ``run`` / ``send-due`` / ``upgrade`` commands.
* ``testing``   - fresh SQLite / PostgreSQL-schema databases for tests.
"""
