"""Readers and writers of tabular files."""
