"""Answers computed over a store: satisfiers, coverage, crosswalks, programmes, explanations, evaluation."""
