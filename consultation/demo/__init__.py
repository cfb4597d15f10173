"""Realistic demo data for a newcomer: a territory, an ABS questionnaire and its answers."""
