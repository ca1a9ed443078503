"""Delivering a finished report where the group reads it: e-mail and chat bots, once per channel."""
