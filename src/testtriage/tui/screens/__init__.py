"""Screens shown over the main one: help, and the export dialog."""
