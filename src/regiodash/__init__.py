"""regiodash: regional innovation, gender and sustainability indicators for NUTS regions."""

__version__ = "0.1.0"
