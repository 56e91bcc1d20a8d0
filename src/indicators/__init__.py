"""Indicator modules: pure functions and declarative specs (no I/O, no Streamlit)."""
