"""Readers that turn source documents (CSV, XLSX, JSONL, HTML, Markdown, text) into raw blocks."""
