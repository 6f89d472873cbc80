"""The ``pitboard`` command: builds the site's processes from core, board, kiosk and devices."""
