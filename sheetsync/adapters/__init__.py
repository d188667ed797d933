"""Adapters: the Google and local implementations of the ports in ``sheetsync.ports``."""
