"""The demo workshop: its site configuration and a player for a compressed day."""
