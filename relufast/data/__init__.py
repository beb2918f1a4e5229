"""Data shipped with relufast: paper tables and reference results."""
